import { afterEach, describe, expect, it } from 'vitest';
import { PeakgateError } from '../errors.js';
import type { RequestTemplate } from '../load-plan.js';
import { clearSecretValues, maskSecrets } from '../secret-mask.js';
import { assertEnvAllowed, closeEnvDoor, envUses, handedInEnvValues, openEnvDoor } from './env.js';

afterEach(() => {
  closeEnvDoor();
  clearSecretValues();
});

const requests: RequestTemplate[] = [
  {
    weight: 1,
    method: 'POST',
    path: '/items?token={{env API_TOKEN}}',
    headers: { Authorization: 'Bearer {{env GITHUB_TOKEN}}' },
    json: { nested: ['{{env API_TOKEN}}'] },
  },
];

function thrown(action: () => unknown): PeakgateError {
  try {
    action();
  } catch (error) {
    if (error instanceof PeakgateError) return error;
    throw error;
  }
  throw new Error('expected a PeakgateError');
}

describe('envUses', () => {
  it('finds every {{env NAME}} with its field', () => {
    expect(envUses(requests)).toEqual([
      { name: 'API_TOKEN', field: 'load.requests[0].path' },
      { name: 'GITHUB_TOKEN', field: 'load.requests[0].headers.Authorization' },
      { name: 'API_TOKEN', field: 'load.requests[0].json.nested[0]' },
    ]);
  });
});

describe('the env door', () => {
  it('refuses a variable not handed in, naming it and --env, the same whether it exists or not', () => {
    openEnvDoor(['API_TOKEN'], { API_TOKEN: 'api-value-1', GITHUB_TOKEN: 'ghp_secret_value' });
    const set = thrown(() => handedInEnvValues(requests));
    closeEnvDoor();
    openEnvDoor(['API_TOKEN'], { API_TOKEN: 'api-value-1' });
    const unset = thrown(() => handedInEnvValues(requests));
    expect(set.code).toBe('PG_ERR_SCENARIO_ENV_NOT_ALLOWED');
    expect(set.exitCode).toBe(2);
    expect(set.message).toContain('GITHUB_TOKEN');
    expect(set.message).toContain('--env GITHUB_TOKEN');
    expect(set.message).toContain('load.requests[0].headers.Authorization');
    expect(set.message).not.toContain('ghp_secret_value');
    expect(unset.message).toBe(set.message);
    expect(thrown(() => assertEnvAllowed(requests)).message).toBe(set.message);
  });

  it('gives the values handed in, and masks them', () => {
    openEnvDoor(['API_TOKEN', 'GITHUB_TOKEN'], {
      API_TOKEN: 'api-value-1',
      GITHUB_TOKEN: 'ghp_secret_value',
      OTHER: 'x',
    });
    expect(handedInEnvValues(requests)).toEqual({ API_TOKEN: 'api-value-1', GITHUB_TOKEN: 'ghp_secret_value' });
    expect(maskSecrets('Bearer ghp_secret_value and api-value-1')).toBe('Bearer *** and ***');
  });

  it('says when a handed-in variable is not set', () => {
    openEnvDoor(['API_TOKEN', 'GITHUB_TOKEN'], { API_TOKEN: 'api-value-1' });
    const error = thrown(() => handedInEnvValues(requests));
    expect(error.code).toBe('PG_ERR_SCENARIO_ENV_UNSET');
    expect(error.message).toContain('GITHUB_TOKEN');
    expect(() => assertEnvAllowed(requests)).not.toThrow();
  });

  it('names every variable not handed in, in one error, the same whether each exists or not', () => {
    const three: RequestTemplate[] = [
      {
        weight: 1,
        method: 'GET',
        path: '/a?t={{env REPLAY_QUERY_TOKEN}}',
        headers: { cookie: '{{env REPLAY_COOKIE}}' },
      },
      {
        weight: 1,
        method: 'POST',
        path: '/b',
        headers: { authorization: '{{env REPLAY_COOKIE}}' },
        json: { p: '{{env REPLAY_BODY_PASSWORD}}' },
      },
    ];
    openEnvDoor([], { REPLAY_COOKIE: 'cookie-value-1', REPLAY_BODY_PASSWORD: 'password-value' });
    const some = thrown(() => handedInEnvValues(three));
    closeEnvDoor();
    openEnvDoor([], {});
    const none = thrown(() => handedInEnvValues(three));
    expect(some.code).toBe('PG_ERR_SCENARIO_ENV_NOT_ALLOWED');
    expect(some.message).toBe(
      'the scenario reads 3 variables that were not handed in: {{env REPLAY_QUERY_TOKEN}} in load.requests[0].path, {{env REPLAY_COOKIE}} in load.requests[0].headers.cookie, {{env REPLAY_BODY_PASSWORD}} in load.requests[1].json.p; a scenario reads only the variables given with --env, so run with --env REPLAY_QUERY_TOKEN --env REPLAY_COOKIE --env REPLAY_BODY_PASSWORD to allow them',
    );
    expect(none.message).toBe(some.message);
    // Handed in but unset: all named too.
    closeEnvDoor();
    openEnvDoor(['REPLAY_QUERY_TOKEN', 'REPLAY_COOKIE', 'REPLAY_BODY_PASSWORD'], { REPLAY_COOKIE: 'cookie-value-1' });
    const unset = thrown(() => handedInEnvValues(three));
    expect(unset.code).toBe('PG_ERR_SCENARIO_ENV_UNSET');
    expect(unset.message).toContain('2 variables');
    expect(unset.message).toContain('{{env REPLAY_QUERY_TOKEN}} in load.requests[0].path');
    expect(unset.message).toContain('{{env REPLAY_BODY_PASSWORD}} in load.requests[1].json.p');
    expect(unset.message).not.toContain('cookie-value-1');
  });

  it('refuses a flag that is not a variable name', () => {
    expect(thrown(() => openEnvDoor(['A-B'], {})).code).toBe('PG_ERR_OPTS_INVALID');
  });

  it('reads nothing for requests without {{env}}', () => {
    expect(handedInEnvValues([{ weight: 1, method: 'GET', path: '/', headers: {} }])).toEqual({});
  });
});
