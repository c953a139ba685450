/**
 * Pid files for process-driver services, so `reap()` can find the process groups of a peakgate
 * process that died by SIGKILL. One JSON file per group in $PEAKGATE_STATE_DIR/processes
 * (default: <tmpdir>/peakgate-<uid>/processes). The leader's start time guards against pid reuse.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentOwner } from './owner.js';

export interface ProcessRecord {
  pgid: number;
  /** Start time of the group leader in ticks. */
  leaderStartTicks?: number;
  ownerPid: number;
  ownerStartTicks?: number;
  host: string;
  runId: string;
  role: string;
  command: string;
}

export function processStateDir(): string {
  const base = process.env.PEAKGATE_STATE_DIR ?? path.join(os.tmpdir(), `peakgate-${process.getuid?.() ?? 'user'}`);
  return path.join(base, 'processes');
}

export function recordProcess(record: Omit<ProcessRecord, 'ownerPid' | 'ownerStartTicks' | 'host'>): () => void {
  const owner = currentOwner();
  const dir = processStateDir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.pgid}.json`);
  const full: ProcessRecord = { ...record, ownerPid: owner.pid, ownerStartTicks: owner.startTicks, host: owner.host };
  writeFileSync(file, JSON.stringify(full));
  return () => rmSync(file, { force: true });
}

export function listProcessRecords(): Array<{ file: string; record: ProcessRecord }> {
  const dir = processStateDir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<{ file: string; record: ProcessRecord }> = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    try {
      out.push({ file, record: JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord });
    } catch {
      rmSync(file, { force: true });
    }
  }
  return out;
}
