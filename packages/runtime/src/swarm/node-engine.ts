/**
 * The engine of the node a task runs on. Services and tasks are the manager's business, but a
 * task's container (its CPU, memory, logs, exit) lives on its node's engine, and the swarm API
 * does not say how to reach that engine. The operator says it once per node, as a node label:
 *
 *     docker node update --label-add peakgate.engine=unix:///run/worker/docker.sock NODE
 *     docker node update --label-add peakgate.engine=tcp://10.0.0.7:2375 NODE
 *
 * Node labels can only be set on a manager, so a pull request under test cannot point peakgate
 * at an engine of its choosing. A node without the label (or whose engine does not answer) gets
 * PG_ERR_RUNTIME_NO_STATS: peakgate never judges a build it cannot read.
 */
import { Agent as HttpAgent } from 'node:http';
import { PeakgateError } from '@peakgate/core';
import Docker from 'dockerode';
import { engineMessage, pingDocker } from '../docker/client.js';
import type { SwarmManager } from './manager.js';

/** The node label that holds the address of a node's engine (`unix:///…` or `tcp://host:port`). */
export const LABEL_NODE_ENGINE = 'peakgate.engine';

export interface NodeEngine {
  docker: Docker;
  nodeId: string;
  hostname: string;
  /** The label's value, or "the manager's engine" for the manager's own node. */
  address: string;
}

interface NodeInfo {
  ID: string;
  Spec?: { Labels?: Record<string, string> };
  Description?: { Hostname?: string };
}

/** "vm, id x2tje706kqqz": nodes of one machine share their host name, so the id tells them apart. */
export function describeNode(hostname: string, nodeId: string): string {
  return `${hostname || 'unknown host'}, id ${nodeId.slice(0, 12) || 'unknown'}`;
}

/** A client for `unix:///path` or `tcp://host:port` (plain http: TLS engines are not supported here). */
export function engineAt(address: string): Docker | undefined {
  const unix = /^unix:\/\/(\/.+)$/.exec(address);
  if (unix) return new Docker({ socketPath: unix[1] as string });
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(address);
  if (tcp)
    return new Docker({ host: (tcp[1] as string).replace(/^\[|\]$/g, ''), port: Number(tcp[2]), protocol: 'http' });
  return undefined;
}

/** The engine that runs tasks on `nodeId`: the manager's own, or the one its node label names. */
export async function nodeEngine(manager: Docker, self: SwarmManager, nodeId: string | undefined): Promise<NodeEngine> {
  if (nodeId === undefined || nodeId === '' || nodeId === self.nodeId)
    return { docker: manager, nodeId: self.nodeId, hostname: self.hostname, address: "the manager's engine" };
  const node = (await manager
    .getNode(nodeId)
    .inspect()
    .catch(() => ({ ID: nodeId }))) as NodeInfo;
  const hostname = node.Description?.Hostname ?? '';
  const where = `node ${describeNode(hostname, nodeId)}`;
  const address = node.Spec?.Labels?.[LABEL_NODE_ENGINE];
  if (address === undefined || address === '')
    throw new PeakgateError(
      'PG_ERR_RUNTIME_NO_STATS',
      `the task runs on ${where}, whose engine peakgate cannot reach: label the node with its engine's address (docker node update --label-add ${LABEL_NODE_ENGINE}=unix:///path/docker.sock ${nodeId}), or pin the builds to the manager's node (PEAKGATE_SWARM_CONSTRAINT=node.id==${self.nodeId})`,
    );
  const docker = engineAt(address);
  if (docker === undefined)
    throw new PeakgateError(
      'PG_ERR_RUNTIME_NO_STATS',
      `${where}: its label ${LABEL_NODE_ENGINE}="${address}" is not unix:///path or tcp://host:port`,
    );
  try {
    await pingDocker(docker, 5000);
  } catch (error) {
    throw new PeakgateError(
      'PG_ERR_RUNTIME_NO_STATS',
      `the engine of ${where} at ${address} (its ${LABEL_NODE_ENGINE} label) does not answer: ${engineMessage(error)}`,
      { cause: error },
    );
  }
  return { docker, nodeId, hostname, address };
}

/**
 * Pings a node's engine on a fresh connection (a dockerd that is shutting down keeps answering on
 * kept-alive connections for a second or more). A node that stopped answering mid-run took the
 * build on it down with it: PG_ERR_RUNTIME_UNREACHABLE (exit 3), never a crash of the build.
 */
export async function assertNodeEngine(node: NodeEngine, what: string): Promise<void> {
  const docker = engineAt(node.address);
  if (docker === undefined) return;
  (docker.modem as { agent?: unknown }).agent = new HttpAgent({ keepAlive: false });
  try {
    await pingDocker(docker, 3000);
  } catch (error) {
    throw new PeakgateError(
      'PG_ERR_RUNTIME_UNREACHABLE',
      `the engine of node ${describeNode(node.hostname, node.nodeId)} at ${node.address} stopped answering during the run: ${what} on it ended with it, not on its own, so there is no verdict; bring the node back (its agent then removes what the run left there) or drain it`,
      { cause: error },
    );
  }
}
