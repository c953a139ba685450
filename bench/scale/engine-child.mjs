// One load generator of the scale bench: peakgate's load engine (built dist) with ONE worker, in
// its own process so its CPU time is its own. Reads a JSON job from argv[2]:
//   { target, scenario?, model: 'open'|'closed', amount, seconds }
// scenario: a scenario file whose request mix to send (default: GET /). Prints one JSON line.
import { loadScenarioFile } from '../../packages/core/dist/index.js';
import { runLoad } from '../../packages/loadgen/dist/index.js';

const job = JSON.parse(process.argv[2]);
const scenario = job.scenario === undefined ? undefined : await loadScenarioFile(job.scenario);
const load =
  job.model === 'open'
    ? { model: 'open', rate: { from: job.amount, to: job.amount }, maxConnections: 256 }
    : { model: 'closed', connections: job.amount };
const before = process.cpuUsage();
const result = await runLoad({
  target: job.target,
  workers: 1,
  plan: {
    phases: [{ name: 'bench', durationMs: job.seconds * 1000, load }],
    requests: scenario?.load.requests ?? [{ weight: 1, method: 'GET', path: '/', headers: {} }],
    expectStatus: scenario?.load.expectStatus ?? [200],
    timeoutMs: 10_000,
  },
});
const cpu = process.cpuUsage(before);
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests,
    durationMs: result.durationMs,
    rate: result.rate,
    dropped: result.errors.dropped ?? 0,
    p99Ms: result.latency.p99,
    // Whole process (main thread + the one worker thread) while runLoad ran, pool start-up included.
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  })}\n`,
);
