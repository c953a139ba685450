/**
 * The service's figures over exactly a measured window: cumulative CPU read at the window's edges,
 * memory peak and per-second samples in between. A trial (run-trial.ts) opens the window at the
 * first measured phase's start and closes it at the last one's end.
 */
import type { ResourceSample } from '@peakgate/core';
import type { ResourceReading, RunningService } from './ports.js';

/** What the sampler needs of a service: one reading of cumulative CPU and current memory. */
export type ResourceSource = Required<Pick<RunningService, 'read'>>;

export interface MeasuredWindow {
  cpuNanos: number;
  memoryPeakBytes: number;
  samples: ResourceSample[];
}

/**
 * Reads cumulative CPU and memory about once a second during the measured window. CPU seconds
 * come from the two edge readings, not from the periodic samples, so sampling jitter does not
 * change the figure.
 */
export class ResourceSampler {
  private readonly samples: ResourceSample[] = [];
  private memoryPeakBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private last: ResourceReading;

  private constructor(
    private readonly service: ResourceSource,
    private readonly first: ResourceReading,
    private readonly startedAt: number,
  ) {
    this.last = first;
    this.record(first);
  }

  static async start(service: ResourceSource, everyMs: number): Promise<ResourceSampler> {
    const first = await service.read();
    const sampler = new ResourceSampler(service, first, performance.now());
    sampler.timer = setInterval(() => {
      service.read().then(
        (reading) => sampler.record(reading),
        () => {},
      );
    }, everyMs);
    return sampler;
  }

  private record(reading: ResourceReading): void {
    this.last = reading;
    this.memoryPeakBytes = Math.max(this.memoryPeakBytes, reading.memoryBytes);
    this.samples.push({
      atMs: Math.round(performance.now() - this.startedAt),
      cpuNanos: reading.cpuNanos - this.first.cpuNanos,
      memoryBytes: reading.memoryBytes,
    });
  }

  async finish(): Promise<MeasuredWindow> {
    this.cancel();
    try {
      this.record(await this.service.read());
    } catch {
      // The service died at the end of the window: the last periodic reading is the best edge we have.
    }
    return {
      cpuNanos: this.last.cpuNanos - this.first.cpuNanos,
      memoryPeakBytes: this.memoryPeakBytes,
      samples: this.samples,
    };
  }

  cancel(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
