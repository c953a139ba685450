/**
 * `peakgate serve [--host 127.0.0.1] [--port 9470] [--data DIR] [--scenarios DIR] [--token-file F]
 *  [--allow-process]`: the HTTP API (docs/server.md). Runs until SIGTERM or Ctrl-C, then stops
 * accepting, cancels the running comparison, removes its services and exits 0 within 10 s.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PeakgateError, registerSecretValues } from '@peakgate/core';
import type { Command } from 'commander';
import { onInterrupt } from '../interrupt.js';
import type { PeakgateCommand } from './command.js';

interface ServeFlags {
  host: string;
  port: string;
  data: string;
  scenarios?: string;
  tokenFile?: string;
  allowProcess?: boolean;
}

export const serveCommand: PeakgateCommand<ServeFlags> = {
  define: (program: Command) =>
    program
      .command('serve')
      .description('HTTP API: queue comparisons and runs, stream progress, read reports, /metrics for Prometheus')
      .option('--host <host>', 'address to listen on (a non-loopback address needs a token)', '127.0.0.1')
      .option('--port <port>', 'port to listen on (0 picks a free one)', '9470')
      .option('--data <dir>', 'where the queue and each run’s reports are kept', '.peakgate/server')
      .option('--scenarios <dir>', 'scenario files that POST /runs may name (default ./scenarios when present)')
      .option('--token-file <file>', 'file holding the bearer token (else PEAKGATE_TOKEN)')
      .option('--allow-process', 'accept process-driver runs: their builds are shell commands run as this user'),
  async run({ flags, output }) {
    const port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port > 65_535) {
      throw new PeakgateError('PG_ERR_OPTS_INVALID', `--port: expected a port from 0 to 65535, got "${flags.port}"`);
    }
    const token = await readToken(flags.tokenFile);
    // The server's own token is never shown either: a process build or a service that somehow prints it
    // (it is not handed to builds or scenarios) gets *** in every reply, report and log.
    if (token !== undefined) registerSecretValues([token]);
    const scenariosDir = flags.scenarios ?? (existsSync('scenarios') ? 'scenarios' : undefined);
    const { serve } = await import('@peakgate/server');
    const server = await serve({
      host: flags.host,
      port,
      dataDir: flags.data,
      ...(scenariosDir !== undefined ? { scenariosDir } : {}),
      ...(token !== undefined ? { token } : {}),
      allowProcess: flags.allowProcess === true,
    });
    output.info(
      `peakgate serve: listening on ${server.url} (data ${flags.data}${token === undefined ? ', no token: loopback only' : ''})`,
    );
    // Not disposed: the process ends after this command; until it does, SIGTERM and Ctrl-C mean
    // "shut down cleanly" (exit 0), and a second signal still leaves at once.
    const interrupt = onInterrupt((signal) => {
      const running = server.queue.list().find((run) => run.status === 'running');
      output.info(
        running === undefined
          ? `peakgate serve: ${signal}: shutting down (no run in progress)`
          : `peakgate serve: ${signal}: cancelling the running run ${running.id} (${running.scenario}), stopping`,
      );
    });
    await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
    await server.close();
    const { cleanupServices } = await import('@peakgate/controller');
    await cleanupServices();
    return 'done';
  },
};

async function readToken(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) {
    const fromEnv = process.env.PEAKGATE_TOKEN;
    if (fromEnv === undefined || fromEnv === '') return undefined;
    if (fromEnv.length < 16)
      throw new PeakgateError('PG_ERR_OPTS_INVALID', 'PEAKGATE_TOKEN is shorter than 16 characters');
    return fromEnv;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--token-file: cannot read ${file}`, { cause: error });
  }
  const token = text.trim();
  if (token.length < 16) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--token-file: the token in ${file} is shorter than 16 characters`);
  }
  return token;
}
