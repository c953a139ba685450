/**
 * The one run request resolver: flag > environment > scenario > default for each field, the
 * default driver from the builds, and bad input refused naming the flag, body field or variable.
 * Pure: no engine, no file; every case runs in microseconds.
 */
import type { BuildSpec, Scenario } from '@peakgate/core';
import { MAX_LOAD_SHARDS, PeakgateError } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOAD_IMAGE,
  DEFAULT_SHARD_CALLBACK_HOST,
  DEFAULT_SWARM_CONSTRAINT,
  type RunFlags,
  type RunRequestInput,
  resolveRunRequest,
} from './run-request.js';
import { fakeScenario } from './test-support/fake-ports.js';

const image = (name: string): BuildSpec => ({ kind: 'image', image: name });
const command = (line: string, env: Record<string, string> = {}): BuildSpec => ({
  kind: 'command',
  command: line,
  env,
});

function scenarioWith(baseline?: BuildSpec, candidate?: BuildSpec): Scenario {
  return {
    ...fakeScenario(),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(candidate !== undefined ? { candidate } : {}),
  };
}

function resolve(flags: RunFlags, more: Partial<RunRequestInput> = {}) {
  return resolveRunRequest({
    kind: 'compare',
    origin: 'cli',
    scenario: scenarioWith(image('shop:1'), image('shop:2')),
    flags,
    env: {},
    ...more,
  });
}

/** The PeakgateError a call throws (its code and message), or fails the test. */
function refusal(call: () => unknown): { code: string; message: string } {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(PeakgateError);
    const { code, message } = error as PeakgateError;
    return { code, message };
  }
  throw new Error('expected a refusal');
}

describe('run request: the driver', () => {
  it('defaults from the builds: images → docker, commands → process', () => {
    expect(resolve({}).driver).toBe('docker');
    const commands = scenarioWith(command('node a.js'), command('node b.js'));
    expect(resolve({}, { scenario: commands }).driver).toBe('process');
  });

  it('a flag wins over the scenario, and a bare REF is an image unless the driver is process', () => {
    const commands = scenarioWith(command('node a.js', { MODE: 'a' }), command('node b.js'));
    const flagged = resolve({ baseline: 'shop:9', candidate: 'shop:10' }, { scenario: commands });
    expect(flagged.driver).toBe('docker');
    expect(flagged.baseline).toEqual(image('shop:9'));
    const asCommands = resolve({ driver: 'process', baseline: 'node x.js' }, { scenario: commands });
    // The flag's command keeps the scenario's env for that side; the other side comes from the scenario.
    expect(asCommands.baseline).toEqual(command('node x.js', { MODE: 'a' }));
    expect(asCommands.candidate).toEqual(command('node b.js'));
  });

  it('--driver wins over the builds, and is refused when it cannot run them', () => {
    expect(resolve({ driver: 'swarm' }).driver).toBe('swarm');
    const wrong = refusal(() => resolve({ driver: 'process' }));
    expect(wrong.code).toBe('PG_ERR_OPTS_INVALID');
    expect(wrong.message).toContain('--driver process needs the baseline as a command (--baseline-cmd');
    const unknown = refusal(() => resolve({ driver: 'podman' }));
    expect(unknown.message).toBe('--driver: expected docker, swarm or process, got "podman"');
  });

  it('a mix of image and command has no driver, and a missing build names its flag', () => {
    const mixed = refusal(() => resolve({}, { scenario: scenarioWith(image('shop:1'), command('node b.js')) }));
    expect(mixed.message).toContain('must both be images (docker driver) or both be commands');
    const missing = refusal(() => resolve({}, { scenario: scenarioWith(image('shop:1')) }));
    expect(missing.message).toContain('no candidate build: pass --candidate IMAGE or --candidate-cmd');
    const both = refusal(() => resolve({ baseline: 'a', baselineCmd: 'b' }));
    expect(both.message).toBe('--baseline and --baseline-cmd both given; use one');
  });

  it('run --service REF: an image (docker) unless --service-cwd or --driver process make it a command', () => {
    const run = (flags: RunFlags) =>
      resolveRunRequest({ kind: 'run', origin: 'cli', scenario: scenarioWith(), flags, env: {} });
    expect(run({ service: 'shop:1' })).toMatchObject({ driver: 'docker', service: image('shop:1') });
    expect(run({ service: 'node s.js', serviceCwd: '/srv' })).toMatchObject({
      driver: 'process',
      service: { kind: 'command', command: 'node s.js', cwd: '/srv', env: {} },
    });
    expect(run({ service: 'node s.js', driver: 'process' }).driver).toBe('process');
    const cwd = refusal(() => run({ service: 'shop:1', serviceCwd: '/srv', driver: 'docker' }));
    expect(cwd.message).toBe('--service-cwd applies to the process driver, not --driver docker');
  });

  it('the result is frozen', () => {
    const request = resolve({});
    expect(Object.isFrozen(request)).toBe(true);
    expect(Object.isFrozen(request.runtime)).toBe(true);
  });
});

describe('run request: service host (--service-host > PEAKGATE_SERVICE_HOST > none)', () => {
  it('the flag wins over the variable, the variable over the default', () => {
    const env = { PEAKGATE_SERVICE_HOST: 'from-env.internal' };
    expect(resolve({ serviceHost: 'flag.internal' }, { env }).runtime.serviceHost).toBe('flag.internal');
    expect(resolve({}, { env }).runtime.serviceHost).toBe('from-env.internal');
    expect(resolve({}).runtime.serviceHost).toBeUndefined();
    expect(resolve({ serviceHost: '[::1]' }).runtime.serviceHost).toBe('::1');
  });

  it('the flag is refused off docker/swarm; the variable does not apply there', () => {
    const commands = scenarioWith(command('a'), command('b'));
    const refused = refusal(() => resolve({ serviceHost: 'h' }, { scenario: commands }));
    expect(refused.message).toBe(
      '--service-host applies to the docker and swarm drivers (published ports), not --driver process',
    );
    const env = { PEAKGATE_SERVICE_HOST: 'from-env.internal' };
    expect(resolve({}, { scenario: commands, env }).runtime.serviceHost).toBeUndefined();
  });

  it('a bad value names the flag or the variable', () => {
    expect(refusal(() => resolve({ serviceHost: 'http://h:80' })).message).toBe(
      '--service-host: expected a host name or IP address (no scheme, port or path), got "http://h:80"',
    );
    // The flag's syntax is checked before the builds are looked at (a scenario without builds here).
    expect(refusal(() => resolve({ serviceHost: 'h/x' }, { scenario: scenarioWith() })).message).toContain(
      '--service-host: expected',
    );
    const env = { PEAKGATE_SERVICE_HOST: 'h:2375' };
    const bad = refusal(() => resolve({}, { env }));
    expect(bad).toEqual({
      code: 'PG_ERR_OPTS_INVALID',
      message: 'PEAKGATE_SERVICE_HOST: expected a host name or IP address (no scheme, port or path), got "h:2375"',
    });
  });
});

describe('run request: shards, seed and the environment settings', () => {
  it('--shards: 1..MAX_LOAD_SHARDS and only on swarm', () => {
    expect(resolve({ driver: 'swarm', shards: '4' }).shards).toBe(4);
    expect(resolve({}).shards).toBeUndefined();
    expect(resolve({ driver: 'swarm', shards: String(MAX_LOAD_SHARDS) }).shards).toBe(MAX_LOAD_SHARDS);
    expect(refusal(() => resolve({ driver: 'swarm', shards: String(MAX_LOAD_SHARDS + 1) })).message).toBe(
      `--shards: expected a whole number from 1 to ${MAX_LOAD_SHARDS}, got "${MAX_LOAD_SHARDS + 1}"`,
    );
    expect(refusal(() => resolve({ driver: 'swarm', shards: '0' })).message).toContain('--shards: expected');
    expect(refusal(() => resolve({ shards: '2' })).message).toBe(
      '--shards runs the load as Swarm tasks: it needs --driver swarm, not --driver docker',
    );
  });

  it('--seed: 0..2^32-1', () => {
    expect(resolve({ seed: '0' }).seed).toBe(0);
    expect(resolve({}).seed).toBeUndefined();
    // Checked before the builds, like every flag's syntax (a scenario without builds here).
    expect(refusal(() => resolve({ seed: 'x' }, { scenario: scenarioWith() })).message).toContain('--seed: expected');
    expect(refusal(() => resolve({ seed: '-1' })).message).toBe(
      '--seed: expected a whole number from 0 to 4294967295, got "-1"',
    );
  });

  it('live metrics: none unless a port or a Pushgateway is asked for; bad values name their flag', () => {
    expect(resolve({}).metrics).toBeUndefined();
    expect(resolve({ metricsHost: '0.0.0.0' }).metrics).toBeUndefined();
    expect(resolve({ metricsPort: '0' }).metrics).toEqual({ port: 0, host: '127.0.0.1' });
    expect(resolve({ pushgateway: 'http://pg:9091', metricsHost: '::' }).metrics).toEqual({
      host: '::',
      pushgateway: 'http://pg:9091',
    });
    expect(refusal(() => resolve({ metricsPort: '70000' })).message).toBe(
      '--metrics-port: expected a port from 0 to 65535, got "70000"',
    );
    expect(refusal(() => resolve({ pushgateway: 'pg:9091' })).message).toBe(
      '--pushgateway: expected an http(s) URL, got "pg:9091"',
    );
  });

  it('each variable over its default', () => {
    const defaults = resolve({}).runtime;
    expect(defaults).toEqual({
      pull: 'missing',
      statsSource: 'auto',
      swarmConstraints: [DEFAULT_SWARM_CONSTRAINT],
      loadImage: DEFAULT_LOAD_IMAGE,
      shardCallbackHost: DEFAULT_SHARD_CALLBACK_HOST,
    });
    const set = resolve(
      {},
      {
        env: {
          PEAKGATE_PULL: 'never',
          PEAKGATE_STATS_SOURCE: 'api',
          PEAKGATE_SWARM_CONSTRAINT: ' node.labels.bench==true , node.role==worker ',
          PEAKGATE_LOAD_IMAGE: 'registry.local/load:2',
          PEAKGATE_SHARD_CALLBACK_HOST: '10.0.0.5',
        },
      },
    ).runtime;
    expect(set).toEqual({
      pull: 'never',
      statsSource: 'api',
      swarmConstraints: ['node.labels.bench==true', 'node.role==worker'],
      loadImage: 'registry.local/load:2',
      shardCallbackHost: '10.0.0.5',
    });
    // Empty means unset, as the runtime read it before.
    expect(resolve({}, { env: { PEAKGATE_SWARM_CONSTRAINT: ' , ', PEAKGATE_LOAD_IMAGE: '' } }).runtime).toEqual(
      defaults,
    );
    expect(refusal(() => resolve({}, { env: { PEAKGATE_SHARD_CALLBACK_HOST: 'http://x' } })).message).toContain(
      'PEAKGATE_SHARD_CALLBACK_HOST: expected a host name or IP address',
    );
  });
});

describe('run request: from the HTTP API', () => {
  const api = (flags: RunFlags, more: Partial<RunRequestInput> = {}) =>
    resolve(flags, { origin: 'api', drivers: ['docker', 'process'], ...more });

  it('names body fields, answers PG_ERR_SERVER_REQUEST_INVALID, and checks image references', () => {
    expect(api({ baseline: 'shop:3' }).baseline).toEqual(image('shop:3'));
    expect(refusal(() => api({ baseline: '--privileged' }))).toEqual({
      code: 'PG_ERR_SERVER_REQUEST_INVALID',
      message: 'body.baseline: "--privileged" is not an image reference',
    });
    expect(refusal(() => api({ driver: 'swarm' })).message).toBe(
      'body.driver: expected docker or process, got "swarm"',
    );
    expect(refusal(() => api({ service: 'shop:1' })).message).toBe('body.service: only for kind "run"');
  });

  it('process builds only when the server allows them', () => {
    const commands = scenarioWith(command('a'), command('b'));
    expect(refusal(() => api({}, { scenario: commands })).message).toContain('peakgate serve --allow-process');
    expect(api({}, { scenario: commands, allowProcess: true }).driver).toBe('process');
  });

  it('kind run: the body service, else the scenario candidate, else its baseline', () => {
    const run = (flags: RunFlags, scenario: Scenario) => api(flags, { kind: 'run', scenario });
    expect(run({ service: 'shop:5' }, scenarioWith()).service).toEqual(image('shop:5'));
    expect(run({}, scenarioWith(image('shop:1'), image('shop:2'))).service).toEqual(image('shop:2'));
    expect(run({}, scenarioWith(image('shop:1'))).service).toEqual(image('shop:1'));
    expect(refusal(() => run({}, scenarioWith())).message).toBe(
      'body.service: missing (neither the request nor the scenario names it)',
    );
    expect(refusal(() => run({ baseline: 'a' }, scenarioWith())).message).toContain('body.kind: a run loads one build');
  });
});
