// Runs peakgate's load engine (built dist) once in its own process, so the benchmark can measure
// this process's CPU time like any other generator's. Usage:
//   node engine-child.mjs URL closed CONNECTIONS SECONDS
//   node engine-child.mjs URL open RATE SECONDS
import { runLoad } from '../../packages/loadgen/dist/index.js';

const [target, model, amount, seconds] = process.argv.slice(2);
const durationMs = Number(seconds) * 1000;
const load =
  model === 'open'
    ? { model: 'open', rate: { from: Number(amount), to: Number(amount) }, maxConnections: 256 }
    : { model: 'closed', connections: Number(amount) };
const before = process.cpuUsage();
const result = await runLoad({
  target,
  workers: Number(process.env.WORKERS ?? 1),
  plan: {
    phases: [{ name: 'bench', durationMs, load }],
    requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
    expectStatus: [200],
    timeoutMs: 10_000,
  },
});
const cpu = process.cpuUsage(before);
const { histogram, series, phases, ...summary } = result;
// CPU of the whole process (all threads) while runLoad ran: pool start-up included, node and module
// loading of the main thread excluded.
process.stdout.write(`${JSON.stringify({ ...summary, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
