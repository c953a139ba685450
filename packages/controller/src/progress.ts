/** Progress events of a comparison, for the CLI's progress line, the HTTP API and Prometheus. */
import type { Role, SecondSample, TrialResult } from '@peakgate/core';

export type ProgressEvent =
  | { type: 'comparison-started'; runId: string; scenario: string; driver: string; plannedRounds: number }
  | { type: 'trial-started'; runId: string; role: Role; round: number; order: number }
  | { type: 'service-ready'; runId: string; role: Role; round: number; readyMs: number; url: string }
  | { type: 'phase'; runId: string; role: Role; round: number; stage: 'warmup' | 'measured' }
  | { type: 'sample'; runId: string; role: Role; round: number; sample: SecondSample }
  | { type: 'trial-finished'; runId: string; trial: TrialResult }
  | { type: 'round-finished'; runId: string; round: number; needsMoreRounds: boolean };

export type ProgressListener = (event: ProgressEvent) => void;
