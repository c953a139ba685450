/**
 * Readiness from the image's own HEALTHCHECK (testcontainers' default when an image has one): the
 * engine runs the check inside the container and we poll `State.Health.Status` until "healthy".
 * Like every readiness wait it races the container's exit, the timeout and the abort signal, and
 * an "unhealthy" verdict from the engine ends the wait at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { ReadyOutcome } from '../readiness.js';

export interface HealthcheckInput {
  container: Docker.Container;
  timeoutMs: number;
  /** Settles when the container ends. */
  ended: Promise<unknown>;
  signal?: AbortSignal;
  pollMs?: number;
}

export async function waitForHealthy(input: HealthcheckInput): Promise<ReadyOutcome> {
  const stop = new AbortController();
  const signals = [stop.signal, ...(input.signal ? [input.signal] : [])];
  const deadline = performance.now() + input.timeoutMs;
  const ended = input.ended.then(
    (): ReadyOutcome => ({ ok: false, reason: 'exited', message: 'exited before it was healthy' }),
  );
  const poll = (async (): Promise<ReadyOutcome> => {
    let last = 'starting';
    while (!AbortSignal.any(signals).aborted) {
      if (input.signal?.aborted) break;
      if (performance.now() > deadline)
        return {
          ok: false,
          reason: 'timeout',
          message: `not healthy within ${input.timeoutMs} ms (waiting for the image's HEALTHCHECK, last status ${last})`,
        };
      try {
        const info = await input.container.inspect();
        last = info.State.Health?.Status ?? 'none';
        if (last === 'healthy') return { ok: true };
        if (last === 'unhealthy')
          return { ok: false, reason: 'timeout', message: "reported unhealthy by the image's HEALTHCHECK" };
      } catch {
        // Gone: the exit branch settles the race.
      }
      await sleep(input.pollMs ?? 100, undefined, { signal: AbortSignal.any(signals) }).catch(() => undefined);
    }
    return { ok: false, reason: 'aborted', message: 'start aborted' };
  })();
  try {
    return await Promise.race([poll, ended]);
  } finally {
    stop.abort();
  }
}
