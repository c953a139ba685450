// Shared by the benches: whether a binary is on PATH, and a command line pinned to one CPU with
// taskset when the machine has two or more cores (target on one, generator on the other).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export const has = (bin) => {
  try {
    execFileSync('which', [bin], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export const pin = has('taskset') && availableParallelism() >= 2;

export const pinned = (cpu, argv) => (pin ? ['taskset', '-c', String(cpu), ...argv] : argv);
