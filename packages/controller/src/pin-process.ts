/**
 * Pins this process, and every thread in it (the load engine's worker threads included), to a
 * CPU set with taskset(1). Threads created later inherit the affinity. Returns a function that
 * restores the previous affinity. Where taskset is missing, pinning is skipped and reported.
 */
import { execFileSync } from 'node:child_process';

export interface Pinning {
  applied: boolean;
  restore(): void;
}

export function pinProcess(cpuset: string | undefined, pid: number = process.pid): Pinning {
  if (cpuset === undefined || process.platform !== 'linux') return { applied: false, restore: () => {} };
  let previous: string;
  try {
    previous =
      execFileSync('taskset', ['-pc', String(pid)], { encoding: 'utf8' })
        .split(':')
        .pop()
        ?.trim() ?? '';
    execFileSync('taskset', ['-a', '-pc', cpuset, String(pid)], { stdio: 'ignore' });
  } catch {
    return { applied: false, restore: () => {} };
  }
  return {
    applied: true,
    restore: () => {
      if (previous === '') return;
      try {
        execFileSync('taskset', ['-a', '-pc', previous, String(pid)], { stdio: 'ignore' });
      } catch {
        // The process keeps the narrower affinity; harmless for a process about to exit.
      }
    },
  };
}
