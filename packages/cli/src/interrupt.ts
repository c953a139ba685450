/**
 * Turns Ctrl-C and SIGTERM into an AbortSignal so that commands stop their load within a second,
 * clean up what they started, and still print what was measured. A second Ctrl-C leaves at once
 * (the drivers' own signal handlers still remove containers and process groups).
 */
export interface Interrupt {
  signal: AbortSignal;
  /** Which signal arrived, if any. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

export function onInterrupt(onFirst?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (received !== undefined) {
      process.exit(130);
    }
    received = signal;
    onFirst?.(signal);
    controller.abort(new Error(`received ${signal}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
