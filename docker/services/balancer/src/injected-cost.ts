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
      windowBurnedMicros += spinCpuMicros(burnMicros);
    },
    delayMs() {
      return env.slowPct > 0 && Math.random() * 100 < env.slowPct ? env.slowMs : 0;
    },
  };
}

/**
 * KIND_PATH=/backends KIND_X=5   requests to that one path cost KIND_X times their own CPU: after
 *               the handler has produced the response, each such request burns (KIND_X − 1) × the
 *               path's own handler cost, measured here as the process CPU time from the request's
 *               `onRequest` to its `onSend` (routing, handler, serialisation; for a GET without a
 *               body that is one chain of promise callbacks, so other requests' work rarely lands
 *               in it, and the mean smooths what does), averaged over the path's last 50 requests. Self-calibrating like BURN_PCT, and for the same reason:
 *               a fixed number of microseconds would be a different multiple on a faster or
 *               busier machine. The span excludes what was burned (the burn comes after it), and
 *               the HTTP parsing and writing every kind pays alike, so "5×" is 5× this path's own
 *               work, not 5× the whole request; the request's latency grows by the burn.
 */
export interface KindCost {
  /** Whether a request URL (path and query) is the costlier kind's. */
  matches(url: string): boolean;
  /** Call when such a request arrives; returns the CPU reading to hand to `finish`. */
  start(): NodeJS.CpuUsage;
  /** Call once its response is serialised: records its own cost, then burns the extra. */
  finish(started: NodeJS.CpuUsage): void;
}

const KIND_WINDOW = 50;

export function kindCost(env: { path: string; factor: number }): KindCost | undefined {
  if (env.path === '' || env.factor <= 1) return undefined;
  const recent: number[] = [];
  let sum = 0;
  return {
    matches(url) {
      const query = url.indexOf('?');
      return (query === -1 ? url : url.slice(0, query)) === env.path;
    },
    start() {
      return process.cpuUsage();
    },
    finish(started) {
      const own = process.cpuUsage(started);
      const ownMicros = own.user + own.system;
      recent.push(ownMicros);
      sum += ownMicros;
      if (recent.length > KIND_WINDOW) sum -= recent.shift() ?? 0;
      spinCpuMicros(((env.factor - 1) * sum) / recent.length);
    },
  };
}

/** Spins on CPU time, not wall time: a preempted spin would otherwise burn less than asked. */
function spinCpuMicros(micros: number): number {
  const start = process.cpuUsage();
  let spent = 0;
  while (spent < micros) {
    const now = process.cpuUsage(start);
    spent = now.user + now.system;
  }
  return spent;
}
