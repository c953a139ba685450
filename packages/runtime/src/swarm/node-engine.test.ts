import { PeakgateError } from '@peakgate/core';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { describeNode, engineAt, LABEL_NODE_ENGINE, nodeEngine } from './node-engine.js';

/** A manager client that answers only GET /nodes/<id> with the given node document. */
function managerWith(node: object): Docker {
  return { getNode: () => ({ inspect: async () => node }) } as unknown as Docker;
}
const self = { nodeId: 'managerid0000000', hostname: 'vm' };

describe('the engine of a task node', () => {
  it('reads unix and tcp addresses, and nothing else', () => {
    const unix = engineAt('unix:///run/w/docker.sock')?.modem as { socketPath?: string } | undefined;
    expect(unix?.socketPath).toBe('/run/w/docker.sock');
    const tcp = engineAt('tcp://127.0.0.2:2375')?.modem as { host?: string; port?: number } | undefined;
    expect([tcp?.host, tcp?.port]).toEqual(['127.0.0.2', 2375]);
    expect(engineAt('ssh://worker')).toBeUndefined();
    expect(engineAt('unix://relative.sock')).toBeUndefined();
    expect(engineAt('tcp://host')).toBeUndefined();
  });

  it('names a node by host name and id, since nodes of one machine share the host name', () => {
    expect(describeNode('vm', 'x2tje706kqqzn52fd0y3whhmk')).toBe('vm, id x2tje706kqqz');
  });

  it("is the manager's own client for the manager's node", async () => {
    const manager = managerWith({});
    expect((await nodeEngine(manager, self, self.nodeId)).docker).toBe(manager);
  });

  it('refuses a node without the label, naming the node and both fixes', async () => {
    const error = await nodeEngine(
      managerWith({ ID: 'workerid00000000', Description: { Hostname: 'vm' } }),
      self,
      'workerid00000000',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeakgateError);
    expect((error as PeakgateError).code).toBe('PG_ERR_RUNTIME_NO_STATS');
    expect((error as PeakgateError).message).toContain('node vm, id workerid0000');
    expect((error as PeakgateError).message).toContain(`--label-add ${LABEL_NODE_ENGINE}=`);
    expect((error as PeakgateError).message).toContain('PEAKGATE_SWARM_CONSTRAINT=node.id==managerid0000000');
  });

  it('refuses a label that is not an address, and an engine that does not answer', async () => {
    const bad = await nodeEngine(
      managerWith({ ID: 'w', Spec: { Labels: { [LABEL_NODE_ENGINE]: 'worker:2375' } } }),
      self,
      'w',
    ).catch((e: unknown) => e);
    expect((bad as PeakgateError).message).toContain('is not unix:///path or tcp://host:port');
    const silent = await nodeEngine(
      managerWith({ ID: 'w', Spec: { Labels: { [LABEL_NODE_ENGINE]: 'unix:///nonexistent/docker.sock' } } }),
      self,
      'w',
    ).catch((e: unknown) => e);
    expect((silent as PeakgateError).code).toBe('PG_ERR_RUNTIME_NO_STATS');
    expect((silent as PeakgateError).message).toContain('does not answer');
  });
});
