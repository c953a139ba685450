import type { ResourceReading } from './service-driver.js';

/** Periodic readings for startSampling(): one in flight at a time, stopped individually or all at once. */
export class SamplingLoop {
  private readonly stops = new Set<() => void>();

  constructor(private readonly read: () => Promise<ResourceReading>) {}

  start(onSample: (reading: ResourceReading) => void, intervalMs: number): () => void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.read()
        .then(onSample, () => undefined)
        .finally(() => {
          busy = false;
        });
    }, intervalMs);
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      this.stops.delete(stop);
    };
    this.stops.add(stop);
    return stop;
  }

  stopAll(): void {
    for (const stop of [...this.stops]) stop();
  }
}
