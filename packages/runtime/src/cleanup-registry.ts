/**
 * What this process started and must remove on every exit path. Drivers register a cleanup when
 * they create a container or spawn a process group and unregister it once stopped.
 *
 * The library installs no signal handlers: how a program answers Ctrl-C or SIGTERM (abort, print
 * partial figures, which exit code) is its policy, not ours. A program calls `cleanupAll()` from
 * its own handler (the CLI does, in cli/src/interrupt.ts) and `cleanupAllSync()` when it must
 * leave at once. SIGKILL cannot be caught: `reap()` on the next start covers it, using the owner
 * labels and process records.
 */

export interface CleanupEntry {
  /** For messages: "container peakgate-run1-baseline-ab12". */
  description: string;
  /** Asynchronous removal (cleanupAll). */
  cleanup: () => Promise<void>;
  /** Synchronous last resort (cleanupAllSync, process 'exit'): for process groups, a SIGKILL. */
  cleanupSync?: () => void;
}

const entries = new Set<CleanupEntry>();
let exitHookInstalled = false;

export function registerCleanup(entry: CleanupEntry): () => void {
  entries.add(entry);
  installExitHook();
  return () => {
    entries.delete(entry);
  };
}

/**
 * Runs every registered cleanup, in parallel, waiting at most budgetMs (default: no limit);
 * never throws. Returns how many were started.
 */
export async function cleanupAll(budgetMs?: number): Promise<number> {
  // Entries stay registered until their cleanup unregisters them: a cleanupAllSync() (a second
  // Ctrl-C) while a removal is still under way must still find the process groups to SIGKILL.
  // The cleanups are idempotent (a service's stop() returns one shared promise).
  const pending = [...entries];
  const all = Promise.allSettled(pending.map((entry) => entry.cleanup()));
  if (budgetMs === undefined) await all;
  else {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
    clearTimeout(timer);
  }
  return pending.length;
}

/**
 * What can be done without waiting, for a program about to leave: SIGKILL to every process group
 * still registered. Containers cannot be removed synchronously; they stay registered for a
 * cleanupAll() already running, and `reap()` removes them otherwise.
 */
export function cleanupAllSync(): void {
  for (const entry of entries) {
    try {
      entry.cleanupSync?.();
    } catch {
      // Leaving anyway: reap() on the next start removes what is left.
    }
  }
}

export function pendingCleanups(): string[] {
  return [...entries].map((entry) => entry.description);
}

/**
 * The one process-wide hook the library keeps, and why: a process group is spawned detached (its
 * own session), so nothing else ends it when we exit, and until the next `reap()` it would keep
 * its port and CPU. An 'exit' listener changes nothing about how or with which code the process
 * ends (unlike a signal handler, which replaces the default action), runs only what
 * cleanupAllSync() runs, and is installed only once something was started.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanupAllSync);
}
