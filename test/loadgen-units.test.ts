import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  isPeakgateError,
  LATENCY_HISTOGRAM,
  mergeEncodedHistograms,
  recordLatencyMs,
} from '../packages/core/dist/index.js';
import {
  arrivalOffsetMs,
  assertTargetAllowed,
  classifyTransportError,
  compileRequestMix,
  compileTemplate,
  expectedArrivals,
  isLoopbackHost,
  SHARD_HISTOGRAM,
  shareOf,
  validateRequestMix,
} from '../packages/loadgen/dist/index.js';

describe('histogram merge', () => {
  it('two histograms merged equal one histogram fed both streams', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    const both = createLatencyHistogram();
    for (let i = 0; i < 20_000; i++) {
      const ms = random() < 0.95 ? 0.05 + random() * 2 : 20 + random() * 400;
      recordLatencyMs(i % 3 === 0 ? a : b, ms);
      recordLatencyMs(both, ms);
    }
    const merged = mergeEncodedHistograms([encodeHistogram(a), encodeHistogram(b)]);
    expect(merged.totalCount).toBe(both.totalCount);
    for (const p of [50, 90, 99, 99.9, 100]) {
      expect(merged.getValueAtPercentile(p)).toBe(both.getValueAtPercentile(p));
    }
    expect(encodeHistogram(merged)).toBe(encodeHistogram(both));
    expect(decodeHistogram(encodeHistogram(merged)).totalCount).toBe(20_000);
  });

  it('records worker histograms with the same range and precision as core', () => {
    expect(SHARD_HISTOGRAM).toEqual(LATENCY_HISTOGRAM);
  });
});

describe('request templates', () => {
  it('fills {{int}}, {{uuid}} and {{pick}} in path, headers, body and json string leaves', () => {
    const t = compileTemplate(
      {
        weight: 1,
        method: 'POST',
        path: '/items/{{int 3 5}}?c={{pick red green}}',
        headers: { 'x-id': '{{uuid}}' },
        json: { name: 'n-{{int 1 1}}', tags: ['{{pick a}}', 7], nested: { id: '{{uuid}}' }, '{{int 1 2}}': 'key' },
      },
      'requests[0]',
    );
    expect(t.constant).toBe(false);
    for (let i = 0; i < 50; i++) {
      const r = t.render();
      expect(r.path).toMatch(/^\/items\/[345]\?c=(red|green)$/);
      expect(r.headers['x-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.headers['content-type']).toBe('application/json');
      const body = JSON.parse(r.body ?? '');
      expect(body.name).toBe('n-1');
      expect(body.tags).toEqual(['a', 7]);
      expect(body.nested.id).toHaveLength(36);
      // Keys are not templated.
      expect(body['{{int 1 2}}']).toBe('key');
    }
  });

  it('keeps constant templates constant and honours weights', () => {
    const fixed = compileRequestMix([{ weight: 1, method: 'GET', path: '/a', headers: {} }]);
    expect(fixed.fixed?.path).toBe('/a');
    const mix = compileRequestMix([
      { weight: 7, method: 'GET', path: '/seven', headers: {} },
      { weight: 3, method: 'GET', path: '/three', headers: {} },
    ]);
    let seven = 0;
    for (let i = 0; i < 20_000; i++) if (mix.next().path === '/seven') seven++;
    expect(seven / 20_000).toBeGreaterThan(0.68);
    expect(seven / 20_000).toBeLessThan(0.72);
  });

  it.each([
    ['/x/{{int 5 1}}', 'MIN <= MAX'],
    ['/x/{{int a b}}', 'integers'],
    ['/x/{{uuid 3}}', 'no arguments'],
    ['/x/{{pick}}', 'at least one option'],
    ['/x/{{random}}', 'unknown placeholder'],
    ['/x/{{int 1 2}', 'unbalanced'],
  ])('rejects %s with a PeakgateError naming the field', (path, message) => {
    try {
      validateRequestMix([{ weight: 1, method: 'GET', path, headers: {} }]);
      expect.unreachable();
    } catch (error) {
      expect(isPeakgateError(error)).toBe(true);
      expect((error as Error).message).toContain('load.requests[0].path');
      expect((error as Error).message).toContain(message);
    }
  });
});

describe('arrival schedule', () => {
  it('spaces constant-rate arrivals 1/rate apart and stops at the phase end', () => {
    expect(arrivalOffsetMs(0, 1000, 1000, 1000)).toBe(0);
    expect(arrivalOffsetMs(1, 1000, 1000, 1000)).toBeCloseTo(1, 9);
    expect(arrivalOffsetMs(999, 1000, 1000, 1000)).toBeCloseTo(999, 6);
    expect(arrivalOffsetMs(1000, 1000, 1000, 1000)).toBe(Number.POSITIVE_INFINITY);
  });

  it('integrates a ramp: arrival count up to t equals the area under the rate', () => {
    // 0 → 100 req/s over 10 s: 500 arrivals; A(t) = 5 t², so arrival k is due at √(k/5) s.
    expect(expectedArrivals(0, 100, 10_000)).toBe(500);
    expect(arrivalOffsetMs(125, 0, 100, 10_000)).toBeCloseTo(5000, 6);
    let n = 0;
    while (Number.isFinite(arrivalOffsetMs(n, 0, 100, 10_000))) n++;
    expect(n).toBe(500);
    // Down-ramps work too: 100 → 0 gives the same count.
    let m = 0;
    while (Number.isFinite(arrivalOffsetMs(m, 100, 0, 10_000))) m++;
    expect(Math.abs(m - 500)).toBeLessThanOrEqual(1);
  });

  it('splits counts evenly over shards', () => {
    expect([0, 1, 2].map((i) => shareOf(10, i, 3))).toEqual([4, 3, 3]);
    expect([0, 1, 2].map((i) => shareOf(1, i, 3))).toEqual([1, 0, 0]);
  });
});

describe('target guard', () => {
  it.each(['localhost', '127.0.0.1', '127.8.9.1', '::1', '[::1]'])('treats %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['10.0.0.1', 'example.com', '128.0.0.1', '::2'])('does not treat %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
  it('refuses non-loopback targets unless allowed', () => {
    expect(() => assertTargetAllowed('http://example.com:8080')).toThrow(/only loopback/);
    try {
      assertTargetAllowed('http://example.com:8080');
    } catch (error) {
      expect(isPeakgateError(error) && error.code).toBe('PG_ERR_TARGET_REFUSED');
    }
    expect(assertTargetAllowed('http://Example.com:8080', ['example.com']).hostname).toBe('example.com');
    expect(assertTargetAllowed('http://[::1]:80/').port).toBe('');
    expect(() => assertTargetAllowed('ftp://127.0.0.1/')).toThrow(/http/);
  });
});

describe('error kinds', () => {
  const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });
  it('maps net, undici and autocannon errors', () => {
    expect(classifyTransportError(coded('ECONNREFUSED'))).toBe('refused');
    expect(classifyTransportError(coded('ECONNRESET'))).toBe('reset');
    expect(classifyTransportError(coded('UND_ERR_SOCKET'))).toBe('reset');
    expect(classifyTransportError(coded('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout');
    expect(classifyTransportError(new Error('request timed out'))).toBe('timeout');
    expect(classifyTransportError(new Error('fetch failed', { cause: coded('ECONNREFUSED') }))).toBe('refused');
    expect(classifyTransportError(new Error('weird'))).toBe('other');
  });
});

describe('shard recorder', () => {
  it('streams each second, adds every second into the phase histogram and counts statuses', async () => {
    const { MessageChannel } = await import('node:worker_threads');
    const { ShardRecorder } = await import('../packages/loadgen/dist/shard-recorder.js');
    const channel = new MessageChannel();
    const samples: Array<{ second: number; requests: number; errors: number; histogram: string }> = [];
    channel.port2.on(
      'message',
      (message: { type: string; second: number; requests: number; errors: number; histogram: string }) => {
        if (message.type === 'sample') samples.push(message);
      },
    );
    const recorder = new ShardRecorder(channel.port1, performance.now(), 1_500, new Set([200]));
    recorder.start();
    recorder.response(200, 0.25);
    recorder.response(200, 1.5);
    recorder.response(503, 2);
    // Second 0 is cut by the timer at 1 s; the rest lands in the last (partial) second, cut by close().
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    recorder.response(200, 40);
    recorder.response(1234, 3);
    recorder.error('timeout');
    const phase = decodeHistogram(recorder.close());
    await new Promise((resolve) => setTimeout(resolve, 50));
    channel.port1.close();

    expect(samples.map((s) => [s.second, s.requests, s.errors])).toEqual([
      [0, 3, 1],
      [1, 3, 2],
    ]);
    // Five responses have a latency; the transport error does not.
    expect(phase.totalCount).toBe(5);
    expect(phase.minNonZeroValue).toBe(250);
    expect(phase.maxValue).toBeGreaterThanOrEqual(39_980);
    expect(recorder.statuses).toEqual({ '0': 1, '200': 3, '503': 1 });
    expect(recorder.counts).toMatchObject({ ok: 3, status: 2, timeout: 1 });
    // Outcomes after close (requests still in flight at abort) are ignored.
    recorder.response(200, 1);
    expect(recorder.statuses['200']).toBe(3);
  });
});
