/**
 * CPU (and memory, when the controller is on) of any cgroup v2 directory, for builds peakgate did
 * not start (`compare --baseline-url … --baseline-cpu-cgroup PATH`): cumulative `usage_usec` from
 * `cpu.stat`, which cgroup v2 keeps for every cgroup whether or not the cpu controller is enabled,
 * and `memory.current` when the memory controller is. Read at the measured window's edges like a
 * container's cgroup, so the figure is the group's own CPU time over exactly that window.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';

export interface CgroupUsage {
  /** The cgroup directory read. */
  readonly directory: string;
  /** memory.current exists (memory controller enabled): memory figures are real, not 0. */
  readonly hasMemory: boolean;
  read(): Promise<{ cpuNanos: number; memoryBytes: number }>;
}

/** `usage_usec` of a cgroup v2 `cpu.stat` text, in microseconds. */
export function usageUsec(text: string): number | undefined {
  const match = /^usage_usec (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Opens a cgroup v2 directory (or its `cpu.stat` file) and checks it can be read now, so a wrong
 * path is a usage error before any load is sent. `label` names the flag in messages.
 */
export async function openCgroupUsage(given: string, label: string): Promise<CgroupUsage> {
  const invalid = (why: string): PeakgateError => new PeakgateError('PG_ERR_OPTS_INVALID', `${label} ${given}: ${why}`);
  let directory = path.resolve(given);
  const info = await stat(directory).catch(() => undefined);
  if (info === undefined) throw invalid('no such file or directory');
  if (info.isFile()) {
    if (path.basename(directory) !== 'cpu.stat') throw invalid('expected a cgroup v2 directory or its cpu.stat file');
    directory = path.dirname(directory);
  }
  const cpuStat = path.join(directory, 'cpu.stat');
  const text = await readFile(cpuStat, 'utf8').catch(() => undefined);
  if (text === undefined) throw invalid(`cannot read ${cpuStat}: not a cgroup v2 directory`);
  if (usageUsec(text) === undefined)
    throw invalid(`${cpuStat} has no usage_usec line (a cgroup v1 cpu.stat? give the cgroup v2 directory)`);
  const memoryFile = path.join(directory, 'memory.current');
  const hasMemory = (await readFile(memoryFile, 'utf8').catch(() => undefined)) !== undefined;
  return {
    directory,
    hasMemory,
    async read() {
      const [cpu, memory] = await Promise.all([
        readFile(cpuStat, 'utf8'),
        hasMemory ? readFile(memoryFile, 'utf8') : Promise.resolve('0'),
      ]);
      const usec = usageUsec(cpu);
      if (usec === undefined) throw new PeakgateError('PG_ERR_RUNTIME_START', `${cpuStat}: usage_usec is gone`);
      return { cpuNanos: usec * 1000, memoryBytes: Number(memory.trim()) || 0 };
    },
  };
}
