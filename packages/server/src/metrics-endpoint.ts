/**
 * `--metrics-port` of `peakgate compare|run`: a bare HTTP listener serving the registry at
 * /metrics for as long as the command runs (no fastify: nothing else is served and nothing
 * needs a token, exactly like the server's public /metrics).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ComparisonMetrics } from '@peakgate/controller';
import { PeakgateError } from '@peakgate/core';

export interface MetricsEndpoint {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(
  metrics: ComparisonMetrics,
  options: { host: string; port: number },
): Promise<MetricsEndpoint> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new PeakgateError(
          'PG_ERR_SERVER_LISTEN',
          `--metrics-port: cannot listen on ${options.host}:${options.port}: ${error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
