/**
 * Real Prometheus and Pushgateway servers for tests, run as plain processes from the Debian
 * packages (`prometheus`, `prometheus-pushgateway`; .ci/run installs them) on 127.0.0.1 with
 * free ports and a temporary storage dir. No system services: tests never depend on whatever
 * listens on 9090/9091. Absent binaries skip the suites with a reason, except with CI=true.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

function which(binary: string): string | undefined {
  try {
    return execFileSync('which', [binary], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const prometheusBin = which('prometheus');
export const pushgatewayBin = which('prometheus-pushgateway');
/** Ships with the `prometheus` package. */
export const promtoolBin = which('promtool');
export const prometheusMissingInCi =
  process.env.CI === 'true' &&
  (prometheusBin === undefined || pushgatewayBin === undefined || promtoolBin === undefined);
export const prometheusSkipReason =
  prometheusBin === undefined || pushgatewayBin === undefined || promtoolBin === undefined
    ? 'prometheus / promtool / prometheus-pushgateway not installed (apt-get install prometheus prometheus-pushgateway)'
    : undefined;

/**
 * `promtool check metrics` on a whole scrape: its lint findings (wrong suffixes, missing HELP,
 * …) and parse errors, one a line; empty when the scrape is clean.
 */
export function promtoolProblems(scrape: string): string[] {
  const result = spawnSync(promtoolBin ?? 'promtool', ['check', 'metrics'], { input: scrape, encoding: 'utf8' });
  if (result.error !== undefined) throw result.error;
  const problems = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
  if (result.status !== 0 && problems.length === 0) problems.push(`promtool exited ${result.status}`);
  return problems;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  url: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

async function startProcess(
  binary: string,
  args: string[],
  url: string,
  readyPath: string,
  cleanup?: () => Promise<void>,
): Promise<RunningProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await cleanup?.();
  };
  for (let i = 0; i < 150; i += 1) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}${readyPath}`)).ok) return { url, child, log: () => log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`${binary} did not become ready at ${url}:\n${log}`);
}

/** Prometheus scraping the given targets (job name → host:port) every `intervalS` seconds. */
export async function startPrometheus(jobs: Record<string, string>, intervalS = 1): Promise<RunningProcess> {
  const dir = await mkdtemp(path.join(tmpdir(), 'peakgate-prometheus-'));
  const config = [
    'global:',
    `  scrape_interval: ${intervalS}s`,
    `  evaluation_interval: ${intervalS}s`,
    'scrape_configs:',
    ...Object.entries(jobs).flatMap(([job, target]) => [
      `  - job_name: ${job}`,
      '    honor_labels: true',
      '    static_configs:',
      `      - targets: ['${target}']`,
    ]),
  ].join('\n');
  await writeFile(path.join(dir, 'prometheus.yml'), `${config}\n`);
  const port = await freePort();
  return startProcess(
    prometheusBin as string,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    `http://127.0.0.1:${port}`,
    '/-/ready',
    () => rm(dir, { recursive: true, force: true }),
  );
}

export async function startPushgateway(): Promise<RunningProcess> {
  const port = await freePort();
  return startProcess(
    pushgatewayBin as string,
    [`--web.listen-address=127.0.0.1:${port}`],
    `http://127.0.0.1:${port}`,
    '/-/ready',
  );
}

export interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** An instant query as Grafana sends it for a target with `"instant": true` (stat, bar gauge panels). */
export async function queryInstant(prometheus: string, expr: string, timeS: number): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query: expr, time: String(timeS) });
  const response = await fetch(`${prometheus}/api/v1/query?${params}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, values: [r.value] }));
}

/** A range query as Grafana sends it (time series panels). */
export async function queryRange(
  prometheus: string,
  expr: string,
  startS: number,
  endS: number,
  stepS = 1,
): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query: expr, start: String(startS), end: String(endS), step: String(stepS) });
  const response = await fetch(`${prometheus}/api/v1/query_range?${params}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
  return body.data?.result ?? [];
}
