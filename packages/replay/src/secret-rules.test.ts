import { describe, expect, it } from 'vitest';
import {
  hasSecretPair,
  hasSecretShape,
  isRandomKey,
  isSecretField,
  isSecretHeaderName,
  isSecretName,
  isShapeCheckedHeader,
  nameWords,
  secretSpans,
} from './secret-rules.js';

describe('secret names', () => {
  it('splits names into words at separators and camelCase humps', () => {
    expect(nameWords('Ocp-Apim-Subscription-Key')).toEqual(['ocp', 'apim', 'subscription', 'key']);
    expect(nameWords('apiKeys')).toEqual(['api', 'keys']);
    expect(nameWords('session_id')).toEqual(['session', 'id']);
  });

  it('knows the credential names of issue 23 in queries, path parameters and bodies', () => {
    for (const name of [
      'key',
      'access_key',
      'authorization',
      'PHPSESSID',
      'session_id',
      'jsessionid',
      'otp',
      'api_keys',
      'apiKeys',
      'password',
      'pin',
      'token',
      'X-Amz-Signature',
      'client_secret',
      'sid',
      'code',
    ])
      expect(isSecretName(name), name).toBe(true);
    for (const name of ['page', 'q', 'author', 'monkey', 'sort_key', 'cache-key', 'spin', 'keyboard', 'user'])
      expect(isSecretName(name), name).toBe(false);
  });

  it('knows credential headers by name, and exempts ids that only look like keys', () => {
    for (const name of [
      'Authorization',
      'Cookie',
      'Ocp-Apim-Subscription-Key',
      'X-Functions-Key',
      'DD-Application-Key',
      'DD-API-KEY',
      'X-Forwarded-Client-Cert',
      'X-Session-Id',
    ])
      expect(isSecretHeaderName(name), name).toBe(true);
    for (const name of ['accept', 'content-type', 'user-agent', 'Idempotency-Key', 'Sec-WebSocket-Key'])
      expect(isSecretHeaderName(name), name).toBe(false);
    expect(isShapeCheckedHeader('Content-Type')).toBe(false);
    expect(isShapeCheckedHeader('x-custom')).toBe(true);
  });

  it('lets a `key` name keep a plain number (a routing key), nothing else', () => {
    expect(isSecretField('key', '417')).toBe(false);
    expect(isSecretField('key', 'user-12')).toBe(true);
    expect(isSecretField('key', 's3cr3t')).toBe(true);
    expect(isSecretField('key', 42)).toBe(false);
    expect(isSecretField('key', 'AIzaSyFakeQueryKey0001xQ7vL2mN8pR4tW')).toBe(true);
    expect(isSecretField('access_key', 'AKIAFAKEACCESSKEY002')).toBe(true);
    // Strong names take any value, numbers included.
    expect(isSecretField('otp', 123456)).toBe(true);
    expect(isSecretField('pin', '4711')).toBe(true);
    // Innocent names: the shape decides.
    expect(isSecretField('note', 'keep me')).toBe(false);
    expect(isSecretField('next', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl')).toBe(true);
  });
});

describe('secret shapes', () => {
  it('finds JWTs, bot tokens, auth schemes and known key prefixes inside any text', () => {
    for (const value of [
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln',
      'bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      'Bearer abcdefgh12345678',
      'Bearer%20abcdefgh12345678',
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_0123456789abcdefghijABCDEFGHIJ012345',
      'xoxb-1234-5678-abcdefghij',
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    ])
      expect(hasSecretShape(value), value).toBe(true);
  });

  it('finds long random keys but keeps UUIDs, short hex ids, words and identifiers', () => {
    expect(isRandomKey('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b')).toBe(true); // 40 hex
    expect(isRandomKey('Zx7Qp2Lm9Rt4Vw8Ky3Nb6Hc1')).toBe(true);
    expect(isRandomKey('507f1f77bcf86cd799439011')).toBe(false); // a 24-hex ObjectId
    expect(isRandomKey('getUserAccountDetailsV2Handler')).toBe(false);
    expect(isRandomKey('notifications-settings-page')).toBe(false);
    for (const value of [
      '123e4567-e89b-42d3-a456-426614174000',
      '/api/orders/507f1f77bcf86cd799439011',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      'text/html,application/xhtml+xml,application/xml;q=0.9',
    ])
      expect(hasSecretShape(value), value).toBe(false);
  });

  it('finds credential pairs in header values (a Referer with a token), keeping `key=<id>`', () => {
    expect(hasSecretPair('https://app.example/cb?session_id=abc&x=1')).toBe(true);
    expect(hasSecretPair('http://127.0.0.1:42181/route?key=17')).toBe(false);
    expect(hasSecretPair('no pairs here')).toBe(false);
  });

  it('gives the spans of a raw text that hold credentials, merged and in order', () => {
    const text = 'a eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln b Zx7Qp2Lm9Rt4Vw8Ky3Nb6Hc1 c';
    const spans = secretSpans(text);
    expect(spans.map(([start, end]) => text.slice(start, end))).toEqual([
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
      'Zx7Qp2Lm9Rt4Vw8Ky3Nb6Hc1',
    ]);
  });
});

describe('secret rules on hostile text', () => {
  it('stay linear on a megabyte of near-misses (repeated eyJ, bearer, digits, key=)', () => {
    const texts = [
      'eyJ'.repeat(350_000),
      'eyJabcd.'.repeat(130_000),
      `bearer${'+'.repeat(1_000_000)}!`,
      '1234567890'.repeat(100_000),
      'key='.repeat(250_000),
      'aB3'.repeat(350_000),
    ];
    const started = performance.now();
    for (const text of texts) {
      hasSecretShape(text);
      hasSecretPair(text);
      secretSpans(text);
    }
    // Quadratic backtracking would take minutes here; linear work takes well under a second.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
