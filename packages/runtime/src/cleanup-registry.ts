/**
 * What this process started and must remove on every exit path. Drivers register a cleanup when
 * they create a container or spawn a process group and unregister it once stopped. On SIGINT or
 * SIGTERM the registry runs every cleanup (bounded in time) and then re-raises the signal, so the
 * process still ends the way the user asked. SIGKILL cannot be caught: `reap()` on the next start
 * covers it, using the owner-pid labels and pid files.
 */

export interface CleanupEntry {
  /** For messages: "container peakgate-run1-baseline-ab12". */
  description: string;
  /** Asynchronous removal (signals, cleanupAll). */
  cleanup: () => Promise<void>;
  /** Synchronous last resort on process 'exit' (for process groups: a SIGKILL). */
  cleanupSync?: () => void;
}

const entries = new Set<CleanupEntry>();
let installed = false;
let exitHookInstalled = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_CLEANUP_BUDGET_MS = 10_000;

export function registerCleanup(entry: CleanupEntry): () => void {
  entries.add(entry);
  install();
  return () => {
    entries.delete(entry);
  };
}

/** Runs every registered cleanup once, in parallel; never throws. Returns how many ran. */
export async function cleanupAll(): Promise<number> {
  const pending = [...entries];
  entries.clear();
  await Promise.allSettled(pending.map((entry) => entry.cleanup()));
  return pending.length;
}

export function pendingCleanups(): string[] {
  return [...entries].map((entry) => entry.description);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  if (!exitHookInstalled) process.on('exit', onExit);
  exitHookInstalled = true;
}

function onSignal(signal: NodeJS.Signals): void {
  const count = entries.size;
  if (count > 0) process.stderr.write(`peakgate: ${signal}: removing ${count} service(s) this process started\n`);
  const budget = new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_CLEANUP_BUDGET_MS).unref());
  void Promise.race([cleanupAll(), budget]).finally(() => {
    // Re-raise only when nobody else handles the signal, so a CLI that maps Ctrl-C to exit 130
    // keeps control; otherwise the default action ends the process as the user asked.
    for (const s of SIGNALS) process.off(s, onSignal);
    installed = false;
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const entry of entries) {
    try {
      entry.cleanupSync?.();
    } catch {
      // The process is exiting; reap() on the next start removes what is left.
    }
  }
}
