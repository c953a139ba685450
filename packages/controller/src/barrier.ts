/**
 * A two-party meeting point for concurrent (duet) trials: baseline and candidate start their
 * warm-up, and then their measured window, at the same moment, so that whatever else happens on
 * the machine in that window (a noisy neighbour, a CPU frequency change) hits both alike.
 * A party that drops out (its build never got ready, it crashed) leaves, and the other stops
 * waiting for it.
 */
export class Barrier {
  private waiting: Array<() => void> = [];
  private arrived = 0;

  constructor(private parties: number) {}

  /** Resolves when every party still in has arrived at this point. */
  arrive(): Promise<void> {
    this.arrived += 1;
    const done = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.releaseIfComplete();
    return done;
  }

  /** Removes one party for good; whoever waits for it is released. */
  leave(): void {
    this.parties -= 1;
    this.releaseIfComplete();
  }

  private releaseIfComplete(): void {
    if (this.arrived < this.parties || this.waiting.length === 0) return;
    const release = this.waiting;
    this.waiting = [];
    this.arrived = 0;
    for (const resolve of release) resolve();
  }
}
