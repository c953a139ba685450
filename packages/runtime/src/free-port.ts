import net from 'node:net';
import { PeakgateError } from '@peakgate/core';

/** A port that is free on 127.0.0.1 right now (the kernel picks it). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Throws PG_ERR_RUNTIME_PORT_TAKEN when something already listens on 127.0.0.1:port. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) throw portTaken(port, what);
}

export function portTaken(port: number, what: string): PeakgateError {
  return new PeakgateError(
    'PG_ERR_RUNTIME_PORT_TAKEN',
    `port ${port} needed by ${what} is already in use; stop whatever listens there (\`ss -ltnp 'sport = :${port}'\`) or pick another port`,
  );
}

/** Log lines that mean the service could not bind its port. */
export const ADDRESS_IN_USE = /EADDRINUSE|address already in use/i;

/** The port named in an "address in use" log line (":8080" at its end), else the fallback. */
export function portInUse(lines: string[], fallback: number): number | undefined {
  const line = lines.find((l) => ADDRESS_IN_USE.test(l));
  if (line === undefined) return undefined;
  const match = /:(\d{2,5})\b(?!.*:\d{2,5}\b)/.exec(line);
  return match ? Number(match[1]) : fallback;
}
