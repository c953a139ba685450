/**
 * `peakgate serve`: the API on a host and port. Refuses a non-loopback host without a token
 * before anything starts; `close()` is bounded so SIGTERM ends the process within 10 s even if
 * a driver hangs (what is left is removed by `peakgate reap` and the next start).
 */
import { PeakgateError } from '@peakgate/core';
import { isLoopbackHost } from './bearer-auth.js';
import { createServer, type PeakgateServer, type ServerOptions } from './create-server.js';

export interface ServeOptions extends ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface StartedServer extends PeakgateServer {
  url: string;
  /** Stops accepting, cancels the running run, removes its services; resolves within `budgetMs` (default 9 s). */
  close(budgetMs?: number): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<StartedServer> {
  if (!isLoopbackHost(options.host) && (options.token === undefined || options.token === '')) {
    throw new PeakgateError(
      'PG_ERR_SERVER_TOKEN_REQUIRED',
      `refusing to listen on ${options.host} without a token: set PEAKGATE_TOKEN or --token-file (or bind 127.0.0.1)`,
    );
  }
  const server = await createServer(options);
  try {
    await server.app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await server.app.close();
    throw new PeakgateError(
      'PG_ERR_SERVER_LISTEN',
      `cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const address = server.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    ...server,
    url: `http://${host}:${port}`,
    close: async (budgetMs = 9_000) => {
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, budgetMs);
      });
      await Promise.race([server.app.close(), budget]);
      clearTimeout(timer);
    },
  };
}
