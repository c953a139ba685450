/**
 * The CLI's signal policy; the runtime library installs no signal handlers of its own.
 * - First SIGINT, SIGTERM or SIGHUP: abort the signal (commands stop their load within a second
 *   and still print what was measured) and start removing every container and process group this
 *   process started (the runtime's cleanupAll, in parallel with the command's own stops).
 * - A second one: leave at once, after the cleanup that needs no waiting (SIGKILL to the process
 *   groups). Containers still being removed are left to `peakgate reap`.
 * An interrupted command exits 128 + the number of the first signal, the shell's convention that
 * lets a CI runner tell a cancelled job (SIGTERM, 143) from a Ctrl-C (SIGINT, 130); SIGHUP is 129.
 */
import { exitCodeForSignal, exitCodes, type InterruptSignal, interruptSignals } from '@peakgate/core';

type Runtime = typeof import('@peakgate/runtime');

export interface Interrupt {
  signal: AbortSignal;
  /** Which signal arrived, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** The runtime cleanup started by the first signal (settles with how many were removed); undefined before. */
  readonly cleanup: Promise<number> | undefined;
  dispose(): void;
}

/** SIGINT, SIGTERM and SIGHUP: the signals core's exit-code table gives an exit code of their own. */
const SIGNALS: readonly InterruptSignal[] = interruptSignals;

/** The first signal this process received through onInterrupt; it decides the exit code. */
let firstSignal: InterruptSignal | undefined;

/**
 * The exit code of an interrupted command, from core's exit-code table: the first signal's (130
 * SIGINT, 143 SIGTERM, 129 SIGHUP), or 130 when no signal is known (an abort from inside).
 */
export function interruptedExitCode(): number {
  return firstSignal === undefined ? exitCodes.interrupted.code : exitCodeForSignal(firstSignal);
}

/** Set once the runtime is loaded, so the second signal can clean up without awaiting an import. */
let runtime: Runtime | undefined;

export function onInterrupt(onFirst?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let cleanup: Promise<number> | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (received !== undefined) {
      runtime?.cleanupAllSync();
      process.exit(interruptedExitCode());
    }
    received = signal;
    // The handler is registered for SIGNALS only, so the signal is one of them.
    firstSignal ??= signal as InterruptSignal;
    onFirst?.(signal);
    // The signal's name travels with the reason: an aborted comparison's report names it.
    controller.abort(Object.assign(new Error(`received ${signal}`), { signal }));
    cleanup = startRuntimeCleanup();
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get cleanup() {
      return cleanup;
    },
    dispose: () => {
      for (const signal of SIGNALS) process.off(signal, handler);
    },
  };
}

/**
 * Loaded lazily (dockerode is not needed by validate and friends); a command that started
 * services has loaded it already, so the import settles at once. Never rejects.
 */
async function startRuntimeCleanup(): Promise<number> {
  try {
    runtime ??= await import('@peakgate/runtime');
    return await runtime.cleanupAll();
  } catch {
    return 0;
  }
}
