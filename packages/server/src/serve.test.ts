import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ComparisonMetrics } from '@peakgate/controller';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMetricsEndpoint } from './metrics-endpoint.js';
import { serve } from './serve.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'peakgate-serve-unit-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function occupiedPort(): Promise<{ port: number; close: () => void }> {
  const blocker = createNetServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, close: () => blocker.close() };
}

describe('serve', () => {
  it('refuses a non-loopback host without a token before starting anything', async () => {
    await expect(serve({ host: '0.0.0.0', port: 0, dataDir })).rejects.toMatchObject({
      code: 'PG_ERR_SERVER_TOKEN_REQUIRED',
    });
    await expect(serve({ host: '192.0.2.1', port: 0, dataDir, token: '' })).rejects.toMatchObject({
      code: 'PG_ERR_SERVER_TOKEN_REQUIRED',
    });
  });

  it('listens on loopback without a token and closes', async () => {
    const server = await serve({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      metrics: new ComparisonMetrics({ processMetrics: false }),
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('reports a taken port as PG_ERR_SERVER_LISTEN', async () => {
    const blocker = await occupiedPort();
    try {
      await expect(serve({ host: '127.0.0.1', port: blocker.port, dataDir })).rejects.toMatchObject({
        code: 'PG_ERR_SERVER_LISTEN',
      });
    } finally {
      blocker.close();
    }
  });
});

describe('startMetricsEndpoint', () => {
  it('serves the registry at /metrics only', async () => {
    const metrics = new ComparisonMetrics({ processMetrics: false });
    metrics.begin('shop');
    const endpoint = await startMetricsEndpoint(metrics, { host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(endpoint.url);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(await response.text()).toContain('peakgate_comparison_running 1');
      expect((await fetch(endpoint.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });

  it('reports a taken port as PG_ERR_SERVER_LISTEN', async () => {
    const blocker = await occupiedPort();
    try {
      await expect(
        startMetricsEndpoint(new ComparisonMetrics({ processMetrics: false }), {
          host: '127.0.0.1',
          port: blocker.port,
        }),
      ).rejects.toMatchObject({ code: 'PG_ERR_SERVER_LISTEN' });
    } finally {
      blocker.close();
    }
  });
});
