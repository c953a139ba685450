import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOAD_IMAGE,
  escapeSwarmTemplate,
  loadImage,
  loadServiceName,
  loadServiceSpec,
  newestBySlot,
  type ShardTask,
  shardStates,
  startLoadShards,
} from './load-service.js';

const labels = { 'peakgate.managed': 'true', 'peakgate.role': 'load-candidate' };

describe('the load image', () => {
  // PEAKGATE_LOAD_IMAGE is read by the controller's run request (run-request.test.ts), not here.
  it('is the option, else peakgate/load:local', () => {
    expect(DEFAULT_LOAD_IMAGE).toBe('peakgate/load:local');
    expect(loadImage(undefined)).toBe('peakgate/load:local');
    expect(loadImage('')).toBe('peakgate/load:local');
    expect(loadImage('mine:2')).toBe('mine:2');
  });
});

describe('loadServiceName', () => {
  it('is peakgate-<run>-load-<role>-<rand>, a DNS label of at most 63 characters', () => {
    expect(loadServiceName('run1', 'baseline', 'abc123')).toBe('peakgate-run1-load-baseline-abc123');
    const long = loadServiceName(`x_y.${'r'.repeat(80)}`, 'candidate');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^peakgate-x-y-r+-[a-z0-9]+$/);
  });
});

describe('loadServiceSpec', () => {
  const spec = loadServiceSpec({
    name: 'peakgate-r-load-candidate-abc',
    image: 'peakgate/load:local',
    shards: 3,
    env: { PEAKGATE_CONTROLLER: 'http://127.0.0.1:9000', PEAKGATE_SHARD_SLOT: 'mine' },
    constraints: ['node.labels.load==true'],
    labels,
  });
  const task = spec.TaskTemplate as Docker.ContainerTaskSpec;

  it('is a replicated service of N tasks that Swarm never restarts, on the host network, publishing nothing', () => {
    expect(spec.Name).toBe('peakgate-r-load-candidate-abc');
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 3 } });
    expect(task.RestartPolicy).toEqual({ Condition: 'none', MaxAttempts: 0 });
    expect(task.Networks).toEqual([{ Target: 'host' }]);
    expect(task.Placement).toEqual({ Constraints: ['node.labels.load==true'] });
    expect(spec.EndpointSpec).toEqual({ Mode: 'dnsrr' });
    expect(spec.EndpointSpec?.Ports).toBeUndefined();
    expect(task.ContainerSpec?.Image).toBe('peakgate/load:local');
    expect(task.ContainerSpec?.Init).toBe(true);
    expect(task.ContainerSpec?.Command).toBeUndefined();
    expect(task.ContainerSpec?.Args).toBeUndefined();
  });

  it('labels the service and its task containers alike', () => {
    expect(spec.Labels).toEqual(labels);
    expect(task.ContainerSpec?.Labels).toEqual(labels);
  });

  it("passes the caller's environment and the slot and node templates, which the caller cannot override", () => {
    expect(task.ContainerSpec?.Env).toEqual([
      'PEAKGATE_CONTROLLER=http://127.0.0.1:9000',
      'PEAKGATE_SHARD_SLOT={{.Task.Slot}}',
      'PEAKGATE_SHARD_NODE={{.Node.Hostname}}',
    ]);
  });

  it('replaces the entrypoint with command when given', () => {
    const withCommand = loadServiceSpec({
      name: 'n',
      image: 'i',
      shards: 1,
      env: {},
      constraints: [],
      command: ['node', '-e', 'setTimeout(() => {}, 1000)'],
      labels,
    });
    const container = (withCommand.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec;
    expect(container?.Command).toEqual(['node', '-e', 'setTimeout(() => {}, 1000)']);
    expect(container?.Args).toBeUndefined();
  });
});

describe('escapeSwarmTemplate', () => {
  it('turns every {{ into an action printing it, leaving the rest (a lone }} included) as it was', () => {
    expect(escapeSwarmTemplate('plain')).toBe('plain');
    expect(escapeSwarmTemplate('/route?key={{int 1 1000}}')).toBe('/route?key={{"{{"}}int 1 1000}}');
    expect(escapeSwarmTemplate('{{{')).toBe('{{"{{"}}{');
    expect(escapeSwarmTemplate('}}')).toBe('}}');
  });
});

function task(slot: number, state: string, extra: Partial<ShardTask> = {}): ShardTask {
  return { ID: `t${slot}-${state}`, Slot: slot, NodeID: 'n1', Status: { State: state }, ...extra };
}

describe('shardStates', () => {
  const nodes = new Map([
    ['n1', 'vm'],
    ['n2', 'worker-2'],
  ]);

  it('maps slot k to index k - 1, sorted, with the node host name; absent slots stay absent', () => {
    const states = shardStates(
      [task(3, 'running', { NodeID: 'n2' }), task(1, 'pending', { NodeID: undefined }), task(2, 'running')],
      4,
      nodes,
    );
    expect(states.map((s) => [s.index, s.nodeId, s.node, s.state, s.ended])).toEqual([
      [0, '', '', 'pending', false],
      [1, 'n1', 'vm', 'running', false],
      [2, 'n2', 'worker-2', 'running', false],
    ]);
  });

  it('marks the tasks of a node the manager reports down, whatever state the task last reported', () => {
    const states = shardStates(
      [task(1, 'running'), task(2, 'running', { NodeID: 'n2' })],
      2,
      nodes,
      new Map([['n2', 'down: heartbeat failure']]),
    );
    expect(states.map((s) => [s.index, s.state, s.nodeDown])).toEqual([
      [0, 'running', undefined],
      [1, 'running', 'down: heartbeat failure'],
    ]);
  });

  it('keeps the newest task of a slot and ignores slots outside 1..shards', () => {
    const old = task(1, 'failed', { ID: 'old', CreatedAt: '2026-01-01T10:00:00.5Z' });
    const young = task(1, 'running', { ID: 'young', CreatedAt: '2026-01-01T10:00:01.123456789Z' });
    expect(newestBySlot([young, old], 2).get(1)?.ID).toBe('young');
    expect(newestBySlot([old, young], 2).get(1)?.ID).toBe('young');
    expect(newestBySlot([task(0, 'running'), task(3, 'running')], 2).size).toBe(0);
  });

  it('gives the exit code of an ended task only: from the manager, 0 when complete, else from its message', () => {
    const states = shardStates(
      [
        task(1, 'failed', {
          Status: { State: 'failed', Err: 'task: non-zero exit (137)', ContainerStatus: { ExitCode: 137 } },
        }),
        task(2, 'complete', { Status: { State: 'complete', Message: 'finished' } }),
        task(3, 'failed', { Status: { State: 'failed', Err: 'task: non-zero exit (3)' } }),
        task(4, 'rejected', { Status: { State: 'rejected', Err: 'No such image: peakgate/load:local' } }),
        task(5, 'running', { Status: { State: 'running', ContainerStatus: { ContainerID: 'c5', ExitCode: 0 } } }),
      ],
      5,
      nodes,
    );
    expect(states.map((s) => [s.state, s.ended, s.exitCode])).toEqual([
      ['failed', true, 137],
      ['complete', true, 0],
      ['failed', true, 3],
      ['rejected', true, null],
      ['running', false, null],
    ]);
    expect(states[0]?.detail).toBe('failed: task: non-zero exit (137)');
  });
});

describe('startLoadShards refuses before asking the engine', () => {
  const noEngine = {} as Docker;
  it.each([0, 1001, 1.5, Number.NaN])('a shard count of %s', async (shards) => {
    await expect(
      startLoadShards({ runId: 'r', role: 'baseline', shards, env: {}, docker: noEngine }),
    ).rejects.toMatchObject({ code: 'PG_ERR_OPTS_INVALID', exitCode: 2 });
  });

  it('an environment variable name with "="', async () => {
    await expect(
      startLoadShards({ runId: 'r', role: 'baseline', shards: 1, env: { 'A=B': 'x' }, docker: noEngine }),
    ).rejects.toMatchObject({ code: 'PG_ERR_OPTS_INVALID' });
  });
});
