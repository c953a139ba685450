/**
 * The SLO gate of `peakgate run`: `--slo KEY=VALUE` flags (repeatable; they replace the scenario's
 * SLOs) or else the scenario's `compare.slo`, checked against the run's figures by core's
 * checkRunSlo. A breach makes the outcome `fail` (exit 1), so a single-build capacity check can gate.
 */
import {
  checkRunSlo,
  type LoadResult,
  parseSloFlags,
  type RunServiceFigures,
  type RunSloResult,
  type RunSloSpec,
  requestNames,
  type Scenario,
} from '@peakgate/core';
import type { Output } from '../output.js';

/** The SLOs to check, or undefined when neither flags nor the scenario set any. */
export function runSloSpec(scenario: Scenario, flags: readonly string[]): RunSloSpec | undefined {
  if (flags.length > 0) return parseSloFlags(flags, requestNames(scenario.load.requests));
  const byRequest = Object.fromEntries(
    Object.entries(scenario.compare.byRequest ?? {}).filter(([, own]) => Object.keys(own.slo).length > 0),
  );
  const spec: RunSloSpec = { slo: scenario.compare.slo };
  if (Object.keys(byRequest).length > 0) spec.byRequest = byRequest;
  return Object.keys(spec.slo).length > 0 || spec.byRequest !== undefined ? spec : undefined;
}

export function checkRun(
  spec: RunSloSpec | undefined,
  load: LoadResult,
  service?: RunServiceFigures,
): RunSloResult | undefined {
  return spec === undefined ? undefined : checkRunSlo(load, spec, service);
}

/** One line on stderr for a breach, so it shows beside `--json` output too. */
export function reportSloBreach(output: Output, slo: RunSloResult | undefined): void {
  if (slo?.verdict === 'fail')
    output.error(`peakgate: SLO breached (${slo.breaches.length} of ${slo.checks.length} checks)`);
}
