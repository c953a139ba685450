import { isPeakgateError } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { assertTargetAllowed, isLoopbackHost } from './target-guard.js';

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
      expect.unreachable();
    } catch (error) {
      expect(isPeakgateError(error) && error.code).toBe('PG_ERR_TARGET_REFUSED');
    }
    expect(assertTargetAllowed('http://Example.com:8080', ['example.com']).hostname).toBe('example.com');
    expect(assertTargetAllowed('http://[::1]:80/').port).toBe('');
    expect(() => assertTargetAllowed('ftp://127.0.0.1/')).toThrow(/http/);
  });
});
