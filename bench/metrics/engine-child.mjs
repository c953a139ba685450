// Runs peakgate's load engine once in its own process at a fixed open-model rate, with or without
// live metrics, and prints its CPU time. "with": every per-second sample goes to a
// ComparisonMetrics registry (the latency histogram folded from the sample's HDR histogram, as in
// compare/serve), and the registry is served on 127.0.0.1 and scraped once a second, as
// Prometheus would, by a separate process (the scraper's own CPU is Prometheus's, not peakgate's).
// Usage: node engine-child.mjs URL RATE SECONDS with|without
import { spawn } from 'node:child_process';
import { ComparisonMetrics } from '../../packages/controller/dist/index.js';
import { runLoad } from '../../packages/loadgen/dist/index.js';
import { startMetricsEndpoint } from '../../packages/server/dist/index.js';

const [target, rate, seconds, mode] = process.argv.slice(2);
const live = mode === 'with';
const metrics = live ? new ComparisonMetrics() : undefined;
metrics?.begin('bench');
const endpoint = metrics ? await startMetricsEndpoint(metrics, { host: '127.0.0.1', port: 0 }) : undefined;
const SCRAPE_LOOP = 'setInterval(() => fetch(process.argv[1]).then((r) => r.text()).catch(() => {}), 1000)';
const scraper = endpoint ? spawn(process.execPath, ['-e', SCRAPE_LOOP, endpoint.url], { stdio: 'ignore' }) : undefined;
const before = process.cpuUsage();
const result = await runLoad({
  target,
  workers: Number(process.env.WORKERS ?? 1),
  plan: {
    phases: [
      {
        name: 'bench',
        durationMs: Number(seconds) * 1000,
        load: { model: 'open', rate: { from: Number(rate), to: Number(rate) }, maxConnections: 256 },
      },
    ],
    requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
    expectStatus: [200],
    timeoutMs: 10_000,
  },
  ...(metrics ? { onSample: (sample) => metrics.observeSample('candidate', sample) } : {}),
});
const cpu = process.cpuUsage(before);
scraper?.kill();
await endpoint?.close();
process.stdout.write(
  `${JSON.stringify({ mode, requests: result.requests.total, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`,
);
