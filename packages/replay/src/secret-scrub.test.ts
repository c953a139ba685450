import { describe, expect, it } from 'vitest';
import { isSecretHeader, isSecretParam, scrubForm, scrubJson, secretEnvName } from './secret-scrub.js';

describe('secret scrubbing', () => {
  it('knows credential headers and query names', () => {
    for (const name of ['Authorization', 'cookie', 'X-Api-Key', 'x-auth-token', 'X-Session-Id'])
      expect(isSecretHeader(name)).toBe(true);
    for (const name of ['accept', 'content-type', 'user-agent']) expect(isSecretHeader(name)).toBe(false);
    for (const name of ['token', 'access_token', 'api_key', 'apiKey', 'password', 'sig', 'X-Amz-Signature'])
      expect(isSecretParam(name)).toBe(true);
    for (const name of ['key', 'page', 'author', 'q']) expect(isSecretParam(name)).toBe(false);
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
