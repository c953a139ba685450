/**
 * Comparisons kept by `run.mjs --keep DIR`, read back as the power model's records
 * (power-model.mjs --kept): the same fields a results line has, plus per-round ratios the line
 * does not record — p50 of the mix and p50 of each named request kind — taken from the kept
 * report.json (per-trial CPU and latency) and trials.json (per-kind latency of the measured phase).
 * A kept folder is named `<case with / as _>-<driver>-<repetition>-<ms>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { keptName, keptRuns } from './kept-runs.mjs';

const MEASURED_PHASE = 'peak';
/** A kind's round ratio counts only when both trials of the round hold this many of its requests. */
const KIND_MIN_REQUESTS = 30;

const ratio = (a, b) => (a > 0 && b > 0 ? b / a : null);

/** Settings of a case name, as run.mjs reads them: `limit2.5+p99:10/tail25`. */
function settingsOf(caseName) {
  const [settings, condition] = caseName.includes('/') ? caseName.split('/') : ['', caseName];
  const limit = /limit([\d.]+)/.exec(settings)?.[1];
  const p99 = /p99:([\d.]+)/.exec(settings)?.[1];
  return { condition, limit: Number(limit ?? 15), p99Limit: Number(p99 ?? 25) };
}

function kindP50s(trial) {
  const phase = (trial.load?.phases ?? []).find((p) => p.name === MEASURED_PHASE);
  const out = {};
  for (const [name, kind] of Object.entries(phase?.byName ?? {})) {
    if ((kind.latency?.count ?? 0) >= KIND_MIN_REQUESTS) out[name] = kind.latency.p50;
  }
  return out;
}

/** One kept comparison as a record, or undefined when its folder name is not a kept one. */
export function keptRecord(dir) {
  const kept = keptName(dir);
  if (!kept) return undefined;
  const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
  const trials = JSON.parse(readFileSync(path.join(dir, 'trials.json'), 'utf8'));
  const name = kept.case;
  const full = new Map(trials.map((trial) => [`${trial.role}:${trial.round}`, trial]));
  const byRound = new Map();
  for (const trial of report.trials) {
    const entry = byRound.get(trial.round) ?? {};
    entry[trial.role] = { summary: trial, kinds: kindP50s(full.get(`${trial.role}:${trial.round}`) ?? {}) };
    byRound.set(trial.round, entry);
  }
  const roundRatios = [...byRound.entries()]
    .filter(([, pair]) => pair.baseline && pair.candidate)
    .sort(([a], [b]) => a - b)
    .map(([round, { baseline, candidate }]) => {
      const kinds = {};
      for (const [kind, p50] of Object.entries(baseline.kinds)) {
        const other = candidate.kinds[kind];
        if (other !== undefined) kinds[kind] = ratio(p50, other);
      }
      return {
        round,
        cpu: ratio(baseline.summary.cpuPerRequestMs, candidate.summary.cpuPerRequestMs),
        p50: ratio(baseline.summary.latency?.p50, candidate.summary.latency?.p50),
        p99: ratio(baseline.summary.latency?.p99, candidate.summary.latency?.p99),
        kinds,
      };
    });
  const status = (metric, request) =>
    report.metrics.find(
      (m) => m.name === metric && m.request === request && (m.phase ?? MEASURED_PHASE) === MEASURED_PHASE,
    )?.status;
  return {
    case: name,
    mode: 'matrix',
    driver: kept.driver,
    repetition: kept.repetition,
    ...settingsOf(name),
    verdict: report.infrastructureError === undefined ? report.verdict : 'error',
    seconds: report.durationMs / 1000,
    looks: (report.rounds?.looks ?? []).map((look) => ({ round: look.round, atMs: look.atMs })),
    roundRatios,
    cpu: { status: status('cpu.per_request') },
    p99: { status: status('latency.p99') },
    // The costlier kind of a kindN case (run.mjs names it `backends`).
    kindP50: { status: status('latency.p50', 'backends') },
  };
}

/** Every kept comparison under these folders. */
export function keptRecords(dirs) {
  return dirs
    .flatMap((dir) => keptRuns(path.resolve(dir)))
    .filter((dir) => existsSync(path.join(dir, 'report.json')))
    .flatMap((dir) => keptRecord(dir) ?? []);
}
