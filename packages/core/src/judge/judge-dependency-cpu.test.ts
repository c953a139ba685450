import { describe, expect, it } from 'vitest';
import { ScenarioInvalidError } from '../scenario/issues.js';
import { parseScenario } from '../scenario/loader.js';
import type { CompareSpec } from '../scenario/model.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import type { TrialResult } from '../trial.js';
import { judge } from './judge.js';

const scenarioText = (limits: string, slo = '') => `name: deps
service:
  dependencies:
    kv: { image: "kv:1", port: 7000 }
load:
  phases:
    - { duration: 5s, rate: 50 }
  requests:
    - path: /
compare:
  limits:
${limits}
${slo}`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 's.yaml', { platform: 'linux' });
  } catch (error) {
    if (error instanceof ScenarioInvalidError) return [...error.details];
    throw error;
  }
  throw new Error('expected the scenario to be invalid');
}

const spec = (overrides: Partial<CompareSpec> = {}): CompareSpec => ({
  rounds: 3,
  maxRounds: 3,
  limits: {},
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
  ...overrides,
});

/** Six rounds whose kv dependency used `baselineMs`/`candidateMs` of CPU per build request (±3%). */
function withKv(baselineMs: number, candidateMs: number): TrialResult[] {
  const side = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6 };
  return buildSyntheticComparison(6, 7, side, side).map((trial, index) => {
    const requests = trial.load?.requests.total ?? 0;
    const perRequest = (trial.role === 'baseline' ? baselineMs : candidateMs) * (1 + ((index % 3) - 1) * 0.03);
    return {
      ...trial,
      dependencies: [
        {
          name: 'kv',
          cpuSeconds: (perRequest * requests) / 1000,
          memoryPeakBytes: 1e6,
          readyMs: 10,
          address: 'kv:7000',
        },
      ],
    };
  });
}

const judgeFast = (trials: TrialResult[], compare: CompareSpec) => judge(trials, compare, { resamples: 400 });

describe('cpu.per_request{dependency=NAME}', () => {
  it('resolves from compare.limits by dependency name', () => {
    const scenario = parseScenario(
      scenarioText('    cpu.per_request: +15%\n    cpu.per_request{dependency=kv}: +10%'),
      's.yaml',
      { platform: 'linux' },
    );
    expect(scenario.compare.dependencyCpuLimits).toEqual({ kv: 0.1 });
    expect(scenario.compare.limits).toEqual({ 'cpu.per_request': 0.15 });
  });

  it('must name a dependency, and is a limit only (no SLO)', () => {
    expect(problems(scenarioText('    cpu.per_request{dependency=db}: +10%')).join('\n')).toMatch(
      /no dependency is named "db"; dependencies: "kv"/,
    );
    expect(
      problems(scenarioText('    latency.p99: +10%', '  slo:\n    cpu.per_request{dependency=kv}: 1ms')).length,
    ).toBeGreaterThan(0);
  });

  it('is reported but not judged unless a limit names it', () => {
    const result = judgeFast(withKv(0.1, 0.2), spec());
    expect(result.metrics.some((m) => m.dependency !== undefined)).toBe(false);
    expect(result.verdict).toBe('pass');
  });

  it('fails a dependency whose CPU per request doubled, naming it', () => {
    const result = judgeFast(withKv(0.1, 0.2), spec({ dependencyCpuLimits: { kv: 0.1 } }));
    const kv = result.metrics.find((m) => m.dependency === 'kv');
    expect(kv).toMatchObject({ name: 'cpu.per_request', label: 'CPU per request of dependency kv', limit: 0.1 });
    expect(kv?.change).toBeCloseTo(2, 1);
    expect(kv?.status).toBe('fail');
    expect(result.verdict).toBe('fail');
    expect(result.reasons.join('\n')).toContain('CPU per request of dependency kv');
  });

  it('passes the same dependency CPU on both sides', () => {
    const result = judgeFast(withKv(0.1, 0.1), spec({ dependencyCpuLimits: { kv: 0.1 } }));
    expect(result.metrics.find((m) => m.dependency === 'kv')?.status).toBe('pass');
    expect(result.verdict).toBe('pass');
  });
});
