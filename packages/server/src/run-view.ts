/** A run record as the API shows it (replies and event streams alike). */
import type { RunRecord } from './run-store.js';
import type { RunView } from './schemas.js';

export function runView(run: RunRecord, position: number | null): RunView {
  return {
    id: run.id,
    kind: run.job.kind,
    status: run.status,
    scenario: run.scenario,
    driver: run.job.driver,
    position,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    progress: { ...run.progress },
    verdict: run.verdict,
    reasons: [...run.reasons],
    error: run.error === null ? null : { ...run.error },
    reports: [...run.reports],
  };
}
