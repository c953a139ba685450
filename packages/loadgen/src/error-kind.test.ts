import { describe, expect, it } from 'vitest';
import { classifyTransportError } from './error-kind.js';

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
