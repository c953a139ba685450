/** Stop requests for a running worker: the phase deadline or a `stop` message from the main thread. */
export class WorkerControl {
  private stopped = false;
  /** performance.now() when stop() was first called. */
  stoppedAtMs: number | undefined;
  private readonly listeners: Array<() => void> = [];

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stoppedAtMs = performance.now();
    for (const listener of this.listeners.splice(0)) listener();
  }

  onStop(listener: () => void): void {
    if (this.stopped) listener();
    else this.listeners.push(listener);
  }

  /** Resolves at `deadlineMs` (performance.now() terms) or on stop, whichever is first; true when stopped early. */
  until(deadlineMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stopped) {
        resolve(true);
        return;
      }
      let timer: NodeJS.Timeout;
      // Node rounds timers to whole ms and may fire a fraction of a ms early: wait out the rest.
      const arm = (): void => {
        const left = deadlineMs - performance.now();
        if (left <= 0) resolve(false);
        else timer = setTimeout(arm, Math.max(1, left));
      };
      arm();
      this.onStop(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** Joins the target URL's path prefix (if any) with a template path. */
export function joinPath(basePath: string, path: string): string {
  const base = basePath.endsWith('/') ? basePath.slice(0, -1) : basePath;
  return `${base}${path.startsWith('/') ? path : `/${path}`}`;
}
