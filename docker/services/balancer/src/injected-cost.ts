/**
 * Regressions of known size, for calibrating the judge (bench/calibrate). Off unless set.
 *
 * BURN_PCT=20   every request burns 20% more CPU than the service's own cost per request.
 *               The base cost is re-measured every second (process CPU time minus what was
 *               burned, per request), so the injected share stays 20% even when the machine's
 *               speed drifts, which a fixed number of microseconds would not.
 * SLOW_PCT=2 SLOW_MS=40   2% of requests wait 40 ms before they are answered (a slow tail:
 *               moves p99, barely moves CPU).
 */
export interface InjectedCost {
  /** Burns this request's share of extra CPU; call once per served request. */
  burn(): void;
  /** Milliseconds this request should wait before answering (0 for most). */
  delayMs(): number;
}

export function injectedCost(env: { burnPct: number; slowPct: number; slowMs: number }): InjectedCost {
  const burnShare = env.burnPct / 100;
  let burnMicros = 0;
  let windowStart = process.cpuUsage();
  let windowRequests = 0;
  let windowBurnedMicros = 0;
  if (burnShare > 0) {
    setInterval(() => {
      const used = process.cpuUsage(windowStart);
      const baseMicros = used.user + used.system - windowBurnedMicros;
      // Too few requests give a noisy base; keep the last estimate until there is enough traffic.
      if (windowRequests >= 50 && baseMicros > 0) burnMicros = (burnShare * baseMicros) / windowRequests;
      windowStart = process.cpuUsage();
      windowRequests = 0;
      windowBurnedMicros = 0;
    }, 1000).unref();
  }
  return {
    burn() {
      if (burnShare <= 0) return;
      windowRequests += 1;
      if (burnMicros <= 0) return;
      // Spin on CPU time, not wall time: a preempted spin would otherwise burn less than asked.
      const start = process.cpuUsage();
      let spent = 0;
      while (spent < burnMicros) {
        const now = process.cpuUsage(start);
        spent = now.user + now.system;
      }
      windowBurnedMicros += spent;
    },
    delayMs() {
      return env.slowPct > 0 && Math.random() * 100 < env.slowPct ? env.slowMs : 0;
    },
  };
}
