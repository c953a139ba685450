/**
 * The launcher, load runner and progress listener of one run, made once for the CLI's compare,
 * demo and run --service and for the server's queue: the driver's launcher with the request's
 * runtime settings (or the launcher of builds already deployed), the engine's worker pool or the
 * Swarm load shards, and, when live metrics are on, all three wired to the registry.
 */
import { type ComparisonDriver, PeakgateError } from '@peakgate/core';
import { engineLoadRunner } from './adapters.js';
import { launcherFor } from './launcher-for.js';
import type { ComparisonMetrics } from './metrics.js';
import type { LoadRunner, ServiceLauncher } from './ports.js';
import type { ProgressListener } from './progress.js';
import type { RuntimeSettings } from './run-request.js';
import { shardedLoadRunner } from './sharded-load-runner.js';

export interface RunSeamsOptions {
  /** `url`: builds already deployed, with their own `launcher`. */
  driver: ComparisonDriver;
  /** The run request's runtime settings; absent: the defaults (tests, callers without a request). */
  runtime?: Readonly<Partial<RuntimeSettings>>;
  /** `--shards N`: the load as N Swarm tasks of the load image. */
  shards?: number;
  /** A launcher of its own (builds already deployed): the driver's is not made. */
  launcher?: ServiceLauncher;
  metrics?: ComparisonMetrics;
  onProgress?: ProgressListener;
}

export interface RunSeams {
  launcher: ServiceLauncher;
  loadRunner: LoadRunner;
  onProgress?: ProgressListener;
}

export function runSeams(options: RunSeamsOptions): RunSeams {
  const runtime = options.runtime ?? {};
  const { driver } = options;
  if (options.launcher === undefined && driver === 'url')
    throw new PeakgateError('PG_ERR_INTERNAL', 'driver url needs the launcher of the deployed builds');
  const plain = {
    launcher: options.launcher ?? launcherFor(driver as Exclude<ComparisonDriver, 'url'>, runtime),
    loadRunner:
      options.shards !== undefined
        ? shardedLoadRunner({
            shards: options.shards,
            ...(runtime.loadImage !== undefined ? { image: runtime.loadImage } : {}),
            ...(runtime.shardCallbackHost !== undefined ? { callbackHost: runtime.shardCallbackHost } : {}),
          })
        : engineLoadRunner(),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  };
  return options.metrics !== undefined ? options.metrics.wire(plain) : plain;
}
