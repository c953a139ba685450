/**
 * Labels on every container peakgate starts; `reap()` and the tests find containers by them. The
 * owner labels are what `reap()` judges a container by, so they are read back strictly: a container
 * missing one, or carrying one that is malformed, was not started by peakgate (or by a peakgate
 * this code cannot judge) and is never touched.
 */
import type { Role } from '@peakgate/core';
import { currentOwner, type OwnerIdentity } from './owner.js';

export const LABEL_MANAGED = 'peakgate.managed';
export const LABEL_RUN = 'peakgate.run';
export const LABEL_ROLE = 'peakgate.role';
export const LABEL_PID = 'peakgate.pid';
export const LABEL_PID_START = 'peakgate.pid-start';
export const LABEL_PID_NAMESPACE = 'peakgate.pid-ns';
export const LABEL_HOST = 'peakgate.host';
/** A dependency's name (service.dependencies); absent on the builds themselves. */
export const LABEL_COMPONENT = 'peakgate.component';

export function containerLabels(runId: string, role: Role | string, component?: string): Record<string, string> {
  const owner = currentOwner();
  const labels: Record<string, string> = {
    [LABEL_MANAGED]: 'true',
    [LABEL_RUN]: runId,
    [LABEL_ROLE]: role,
    [LABEL_PID]: String(owner.pid),
    [LABEL_HOST]: owner.host,
  };
  if (owner.startTicks !== undefined) labels[LABEL_PID_START] = String(owner.startTicks);
  if (owner.pidNamespace !== undefined) labels[LABEL_PID_NAMESPACE] = owner.pidNamespace;
  if (component !== undefined) labels[LABEL_COMPONENT] = component;
  return labels;
}

export interface LabelledOwner extends OwnerIdentity {
  runId: string;
  role: string;
}

const POSITIVE_INTEGER = /^[1-9]\d{0,9}$/;
const TICKS = /^\d{1,20}$/;
const NAMESPACE = /^pid:\[\d+\]$/;

/**
 * The owner a container's labels name, or undefined unless every label this process would write
 * is present and well formed (pid-start and pid-ns are required wherever /proc gives them to us).
 */
export function ownerFromLabels(labels: Record<string, string> | undefined): LabelledOwner | undefined {
  if (labels === undefined || labels[LABEL_MANAGED] !== 'true') return undefined;
  const runId = labels[LABEL_RUN];
  const role = labels[LABEL_ROLE];
  const pid = labels[LABEL_PID];
  const host = labels[LABEL_HOST];
  const start = labels[LABEL_PID_START];
  const namespace = labels[LABEL_PID_NAMESPACE];
  if (!runId || !role || !host || pid === undefined || !POSITIVE_INTEGER.test(pid)) return undefined;
  const us = currentOwner();
  if (us.startTicks !== undefined && (start === undefined || !TICKS.test(start))) return undefined;
  if (us.pidNamespace !== undefined && (namespace === undefined || !NAMESPACE.test(namespace))) return undefined;
  return {
    runId,
    role,
    host,
    pid: Number(pid),
    ...(start !== undefined && TICKS.test(start) ? { startTicks: Number(start) } : {}),
    ...(namespace !== undefined && NAMESPACE.test(namespace) ? { pidNamespace: namespace } : {}),
  };
}
