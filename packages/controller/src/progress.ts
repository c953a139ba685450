/** Progress events of a comparison, for the CLI's progress line, the HTTP API and Prometheus. */
import type { Role, SecondSample, TrialResult } from '@peakgate/core';

export type ProgressEvent =
  | {
      type: 'comparison-started';
      runId: string;
      scenario: string;
      driver: string;
      /** Rounds before the first look (compare.rounds). */
      plannedRounds: number;
      /** The most rounds it may run (compare.max_rounds). */
      maxRounds?: number;
      /** compare.budget in ms, when set: no round starts that would end past it. */
      budgetMs?: number;
    }
  | { type: 'trial-started'; runId: string; role: Role; round: number; order: number }
  | { type: 'service-ready'; runId: string; role: Role; round: number; readyMs: number; url: string }
  | { type: 'phase'; runId: string; role: Role; round: number; stage: 'warmup' | 'measured' }
  | { type: 'sample'; runId: string; role: Role; round: number; sample: SecondSample }
  | { type: 'trial-finished'; runId: string; trial: TrialResult }
  | {
      type: 'round-finished';
      runId: string;
      round: number;
      needsMoreRounds: boolean;
      /** The metrics this round's look left undecided ("p99 latency (peak)"): what earns another round. */
      undecided?: string[];
    };

export type ProgressListener = (event: ProgressEvent) => void;
