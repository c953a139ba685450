/**
 * Real Prometheus and Pushgateway servers for tests, run as plain processes from the Debian
 * packages (`prometheus`, `prometheus-pushgateway`; .ci/run installs them) on 127.0.0.1 with
 * free ports and a temporary storage dir. No system services: tests never depend on whatever
 * listens on 9090/9091. Absent binaries skip the suites with a reason, except with CI=true.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
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
export const prometheusMissingInCi =
  process.env.CI === 'true' && (prometheusBin === undefined || pushgatewayBin === undefined);
export const prometheusSkipReason =
  prometheusBin === undefined || pushgatewayBin === undefined
    ? 'prometheus / prometheus-pushgateway not installed (apt-get install prometheus prometheus-pushgateway)'
    : undefined;

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
