/** Labels on every container peakgate starts; `reap()` and the tests find containers by them. */
import type { Role } from '@peakgate/core';
import { currentOwner } from './owner.js';

export const LABEL_MANAGED = 'peakgate.managed';
export const LABEL_RUN = 'peakgate.run';
export const LABEL_ROLE = 'peakgate.role';
export const LABEL_PID = 'peakgate.pid';
export const LABEL_PID_START = 'peakgate.pid-start';
export const LABEL_HOST = 'peakgate.host';

export function containerLabels(runId: string, role: Role | string): Record<string, string> {
  const owner = currentOwner();
  const labels: Record<string, string> = {
    [LABEL_MANAGED]: 'true',
    [LABEL_RUN]: runId,
    [LABEL_ROLE]: role,
    [LABEL_PID]: String(owner.pid),
    [LABEL_HOST]: owner.host,
  };
  if (owner.startTicks !== undefined) labels[LABEL_PID_START] = String(owner.startTicks);
  return labels;
}
