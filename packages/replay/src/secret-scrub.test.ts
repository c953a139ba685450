import { describe, expect, it } from 'vitest';
import {
  isSecretHeader,
  isSecretParam,
  scrubForm,
  scrubHeader,
  scrubJson,
  scrubMultipart,
  scrubSegment,
  scrubText,
  secretEnvName,
} from './secret-scrub.js';

describe('secret scrubbing', () => {
  it('knows credential headers and query names', () => {
    for (const name of ['Authorization', 'cookie', 'X-Api-Key', 'x-auth-token', 'X-Session-Id'])
      expect(isSecretHeader(name)).toBe(true);
    for (const name of ['accept', 'content-type', 'user-agent']) expect(isSecretHeader(name)).toBe(false);
    for (const name of ['token', 'access_token', 'api_key', 'apiKey', 'password', 'sig', 'X-Amz-Signature'])
      expect(isSecretParam(name)).toBe(true);
    for (const name of ['page', 'author', 'q', 'sort_key', 'monkey']) expect(isSecretParam(name)).toBe(false);
  });

  it('names env variables in upper snake case by where the secret was', () => {
    expect(secretEnvName('header', 'x-api-key')).toBe('REPLAY_X_API_KEY');
    expect(secretEnvName('query', 'access_token')).toBe('REPLAY_QUERY_ACCESS_TOKEN');
    expect(secretEnvName('body', '--')).toBe('REPLAY_BODY_SECRET');
  });

  it('replaces secret fields of JSON and form bodies', () => {
    const used = new Set<string>();
    expect(scrubJson({ user: 'a', password: 'p', nested: [{ token: 't', n: 1 }] }, used)).toEqual({
      user: 'a',
      password: '{{env REPLAY_BODY_PASSWORD}}',
      nested: [{ token: '{{env REPLAY_BODY_TOKEN}}', n: 1 }],
    });
    expect(scrubForm('user=a&password=p', used)).toBe('user=a&password={{env REPLAY_BODY_PASSWORD}}');
    expect([...used].sort()).toEqual(['REPLAY_BODY_PASSWORD', 'REPLAY_BODY_TOKEN']);
  });
});

describe('secret scrubbing everywhere a request carries text', () => {
  it('replaces whole subtrees under credential names in JSON, arrays and numbers included', () => {
    const used = new Set<string>();
    expect(
      scrubJson({ api_keys: ['a-long-key-value-1', 'a-long-key-value-2'], otp: 123456, key: 42, note: 'ok' }, used),
    ).toEqual({
      api_keys: ['{{env REPLAY_BODY_API_KEYS_1}}', '{{env REPLAY_BODY_API_KEYS_2}}'],
      otp: '{{env REPLAY_BODY_OTP}}',
      key: 42,
      note: 'ok',
    });
    // Under an innocent name, a value shaped like a credential is replaced all the same.
    expect(scrubJson({ next: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl' }, used)).toEqual({
      next: '{{env REPLAY_BODY_NEXT}}',
    });
  });

  it('scrubs multipart fields by name, forms by name, and raw text by shape', () => {
    const used = new Set<string>();
    const body =
      '--b\r\nContent-Disposition: form-data; name="user"\r\n\r\nalice\r\n--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter2\r\n--b--\r\n';
    expect(scrubMultipart(body, 'multipart/form-data; boundary=b', used)).toBe(
      '--b\r\nContent-Disposition: form-data; name="user"\r\n\r\nalice\r\n--b\r\nContent-Disposition: form-data; name="password"\r\n\r\n{{env REPLAY_BODY_PASSWORD}}\r\n--b--\r\n',
    );
    expect(scrubForm('user=alice&pin=1234', used)).toBe('user=alice&pin={{env REPLAY_BODY_PIN}}');
    expect(scrubText('<t>eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln</t>', used)).toBe(
      '<t>{{env REPLAY_BODY_SECRET_1}}</t>',
    );
  });

  it('scrubs path segments shaped like credentials and credential path parameters', () => {
    const used = new Set<string>();
    expect(scrubSegment('cart;jsessionid=ABC123', 'shop', 2, used)).toBe(
      'cart;jsessionid={{env REPLAY_PATH_JSESSIONID}}',
    );
    expect(scrubSegment('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'tokens', 3, used)).toBe(
      '{{env REPLAY_PATH_TOKENS}}',
    );
    expect(scrubSegment('bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', undefined, 1, used)).toBe(
      '{{env REPLAY_PATH_1}}',
    );
    expect(scrubSegment('orders', 'api', 2, used)).toBeUndefined();
  });

  it('scrubs headers by name, and by value unless the header carries ids by design', () => {
    const used = new Set<string>();
    expect(scrubHeader('x-functions-key', 'abc', used)).toBe('{{env REPLAY_X_FUNCTIONS_KEY}}');
    expect(scrubHeader('x-note', 'Bearer abcdefgh12345678', used)).toBe('{{env REPLAY_X_NOTE}}');
    expect(scrubHeader('referer', 'https://app/cb?token=abc', used)).toBe('{{env REPLAY_REFERER}}');
    expect(scrubHeader('content-type', 'multipart/form-data; boundary=Zx7Qp2Lm9Rt4Vw8Ky3Nb6Hc1', used)).toBe(
      'multipart/form-data; boundary=Zx7Qp2Lm9Rt4Vw8Ky3Nb6Hc1',
    );
    expect(scrubHeader('accept', 'application/json', used)).toBe('application/json');
  });
});
