// Histogram-merge micro-benchmark of the scale bench: what adding N shards' encoded latency
// histograms costs the controller. Each shard's histogram holds `values` latencies (a log-normal
// spread around 2 ms with a tail to seconds, so it has as many distinct buckets as a real trial's),
// encoded the way shards send them. Times core's mergeEncodedHistograms (what the judge and the
// report use) and loadgen's 32-bit mergeWorkerHistograms (what the engine merges every second with),
// median of `repeat` runs. Prints one JSON line. Usage: node merge-bench.mjs '{"ns":[1,10,100]}'
import {
  createLatencyHistogram,
  encodeHistogram,
  mergeEncodedHistograms,
  recordLatencyMs,
} from '../../packages/core/dist/index.js';
import { mergeWorkerHistograms } from '../../packages/loadgen/dist/worker-histogram.js';

const options = { ns: [1, 10, 100], values: 100_000, repeat: 7, ...JSON.parse(process.argv[2] ?? '{}') };

// A fixed seed: every run merges the same histograms.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return (seed + 0.5) / 2 ** 31;
};
const gaussian = () => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());

function shardHistogram() {
  const histogram = createLatencyHistogram();
  for (let i = 0; i < options.values; i++) {
    const ms = random() < 0.001 ? 100 + random() * 2000 : Math.exp(Math.log(2) + 0.6 * gaussian());
    recordLatencyMs(histogram, ms);
  }
  const encoded = encodeHistogram(histogram);
  histogram.destroy?.();
  return encoded;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const maxN = Math.max(...options.ns);
const encoded = Array.from({ length: maxN }, shardHistogram);
const rows = [];
for (const n of options.ns) {
  const part = encoded.slice(0, n);
  const time = (merge) => {
    const ms = [];
    for (let r = 0; r < options.repeat; r++) {
      const start = process.hrtime.bigint();
      const merged = merge(part);
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (merged.totalCount !== n * options.values)
        throw new Error(`merged ${merged.totalCount} values, not ${n * options.values}`);
    }
    return median(ms);
  };
  // One untimed pass warms the JIT for this size.
  mergeEncodedHistograms(part);
  mergeWorkerHistograms(part);
  rows.push({
    n,
    encodedBytes: part.reduce((sum, e) => sum + e.length, 0),
    coreMs: time(mergeEncodedHistograms),
    shardMs: time(mergeWorkerHistograms),
  });
}
process.stdout.write(`${JSON.stringify({ valuesPerHistogram: options.values, repeat: options.repeat, rows })}\n`);
