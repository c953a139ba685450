import type { ResourceReading } from './service-driver.js';

/**
 * A service's latest resource reading, kept by the rules both drivers need: CPU time never goes
 * back (a cgroup that vanished or a child reparented away would lower the raw counter, and the
 * controller subtracts readings at phase edges), and memory keeps its peak for the report.
 */
export class UsageTracker {
  private reading: ResourceReading = { cpuNanos: 0, memoryBytes: 0, atMs: 0 };
  private peak = 0;

  get last(): ResourceReading {
    return this.reading;
  }

  get memoryPeakBytes(): number {
    return this.peak;
  }

  record(cpuNanos: number, memoryBytes: number): ResourceReading {
    this.reading = { cpuNanos: Math.max(cpuNanos, this.reading.cpuNanos), memoryBytes, atMs: performance.now() };
    this.peak = Math.max(this.peak, memoryBytes);
    return this.reading;
  }
}
