/**
 * The CLI's signal policy; the runtime library installs no signal handlers of its own.
 * - First SIGINT, SIGTERM or SIGHUP: abort the signal (commands stop their load within a second
 *   and still print what was measured) and start removing every container and process group this
 *   process started (the runtime's cleanupAll, in parallel with the command's own stops).
 * - A second one: leave at once with 130, after the cleanup that needs no waiting (SIGKILL to the
 *   process groups). Containers still being removed are left to `peakgate reap`.
 */
type Runtime = typeof import('@peakgate/runtime');

export interface Interrupt {
  signal: AbortSignal;
  /** Which signal arrived, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** The runtime cleanup started by the first signal (settles with how many were removed); undefined before. */
  readonly cleanup: Promise<number> | undefined;
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Exit code when a second signal cuts the cleanup short (128 + SIGINT, the shell's convention). */
const LEAVE_AT_ONCE_EXIT_CODE = 130;

/** Set once the runtime is loaded, so the second signal can clean up without awaiting an import. */
let runtime: Runtime | undefined;

export function onInterrupt(onFirst?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let cleanup: Promise<number> | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (received !== undefined) {
      runtime?.cleanupAllSync();
      process.exit(LEAVE_AT_ONCE_EXIT_CODE);
    }
    received = signal;
    onFirst?.(signal);
    controller.abort(new Error(`received ${signal}`));
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
