/**
 * A cgroup of its own for each process-driver service, so its CPU is read in nanoseconds (cgroup
 * v1 `cpuacct.usage`) or microseconds (cgroup v2 `cpu.stat usage_usec`) instead of /proc's 10 ms
 * clock ticks. Used only where peakgate can create one; otherwise the driver keeps /proc.
 *
 * Where: a `peakgate` directory under peakgate's OWN cgroup in that hierarchy (from
 * /proc/self/cgroup and /proc/self/mountinfo), never elsewhere. A child group is bound by every
 * limit of its ancestors, and peakgate creates no controller settings, so moving the build into it
 * gives the build no power it did not have in peakgate's group: it only gives it its own counter.
 * Group names are made of peakgate's pid and start time, the role, the trial number and a counter:
 * nothing the build or the scenario controls goes into a path.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { currentOwner, isProcessAlive } from '../owner.js';
import { usageUsec } from './cgroup-usage.js';
import { processTree } from './proc-stat.js';

export interface CgroupHome {
  version: 1 | 2;
  /** `<mount><own cgroup>/peakgate`: the only directory peakgate creates groups in. */
  parent: string;
  /** For the report: which counter is read. */
  describe: string;
}

interface Hierarchy {
  version: 1 | 2;
  /** Where peakgate's own group is on this machine's file system. */
  ownDirectory: string;
}

/** Reads a hierarchy's mount and peakgate's own group in it; undefined when either is missing or unreachable. */
function findHierarchy(version: 1 | 2): Hierarchy | undefined {
  let cgroups: string;
  let mounts: string;
  try {
    cgroups = readFileSync('/proc/self/cgroup', 'utf8');
    mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  // /proc/self/cgroup: "0::/path" (v2), "2:cpuacct:/path" or "2:cpu,cpuacct:/path" (v1).
  let ownPath: string | undefined;
  for (const line of cgroups.split('\n')) {
    const [id, controllers, ...rest] = line.split(':');
    const where = rest.join(':');
    if (version === 2 && id === '0' && controllers === '') ownPath = where;
    if (version === 1 && id !== '0' && controllers?.split(',').includes('cpuacct')) ownPath = where;
  }
  if (ownPath === undefined || !ownPath.startsWith('/')) return undefined;
  // mountinfo: "id parent maj:min root mountpoint options … - fstype source superoptions".
  for (const line of mounts.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const fields = before.split(' ');
    const [fstype, , superOptions = ''] = after.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    const matches =
      version === 2 ? fstype === 'cgroup2' : fstype === 'cgroup' && superOptions.split(',').includes('cpuacct');
    if (!matches) continue;
    // The mount shows the hierarchy from `root` down (a container without a cgroup namespace):
    // our group is reachable only when it lies under that root.
    const relative = path.posix.relative(root, ownPath);
    if (relative.startsWith('..') || path.posix.isAbsolute(relative)) continue;
    return { version, ownDirectory: path.join(unescapeMount(mountPoint), relative) };
  }
  return undefined;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function counterFile(version: 1 | 2): string {
  return version === 2 ? 'cpu.stat' : 'cpuacct.usage';
}

/** A directory here that is a real directory (not a link); throws when something else sits there. */
function ensureDirectory(directory: string): void {
  try {
    mkdirSync(directory, { mode: 0o755 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (!lstatSync(directory).isDirectory()) throw new Error(`${directory} is not a directory`);
}

/** Creates and removes one group under `parent`: proves groups can be made and carry the counter. */
function canCreateGroups(hierarchy: Hierarchy, parent: string): boolean {
  // Named like a service group, so the reaper removes it should peakgate die between the two steps.
  const owner = currentOwner();
  const probe = path.join(parent, `${owner.pid}.${owner.startTicks ?? 0}-probe-0-0`);
  try {
    ensureDirectory(parent);
    mkdirSync(probe);
    try {
      return readCpuNanos(hierarchy.version, probe) !== undefined;
    } finally {
      rmdirSync(probe);
    }
  } catch {
    return false;
  }
}

let home: CgroupHome | null | undefined;

/**
 * Where this process may create service groups, probed once: cgroup v2 first (the only kind on
 * current systems), then v1 cpuacct; undefined (the /proc fallback) when neither can be written,
 * as for a non-root user, a read-only /sys/fs/cgroup in a container, or no Linux.
 */
export function cgroupHome(): CgroupHome | undefined {
  if (home !== undefined) return home ?? undefined;
  home = null;
  if (process.platform !== 'linux') return undefined;
  for (const version of [2, 1] as const) {
    const hierarchy = findHierarchy(version);
    if (hierarchy === undefined) continue;
    const parent = path.join(hierarchy.ownDirectory, 'peakgate');
    if (!canCreateGroups(hierarchy, parent)) continue;
    home = {
      version,
      parent,
      describe:
        version === 2
          ? `a cgroup v2 group of its own (${parent}/…, cpu.stat usage_usec)`
          : `a cgroup v1 cpuacct group of its own (${parent}/…, cpuacct.usage in ns)`,
    };
    return home;
  }
  return undefined;
}

/** Cumulative CPU of a group in nanoseconds; undefined when it cannot be read. */
export function readCpuNanos(version: 1 | 2, directory: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(directory, counterFile(version)), 'utf8');
  } catch {
    return undefined;
  }
  if (version === 1) {
    const value = Number(text.trim());
    return Number.isFinite(value) && text.trim() !== '' ? value : undefined;
  }
  const usec = usageUsec(text);
  return usec === undefined ? undefined : usec * 1000;
}

let made = 0;

/** `<owner pid>.<owner start ticks>-<role>-<trial>-<n>`: the reaper reads the owner back from it. */
const GROUP_NAME = /^(\d+)\.(\d+)-[a-z]+-\d+-\d+$/;

export class ServiceCgroup {
  private removed = false;

  private constructor(
    readonly version: 1 | 2,
    readonly directory: string,
  ) {}

  /** A new empty group for one service, or undefined (the caller keeps /proc) when none can be made. */
  static create(role: string, trial: number | undefined): ServiceCgroup | undefined {
    const where = cgroupHome();
    if (where === undefined || !/^[a-z]+$/.test(role)) return undefined;
    const owner = currentOwner();
    made += 1;
    const name = `${owner.pid}.${owner.startTicks ?? 0}-${role}-${Number.isInteger(trial) ? trial : 0}-${made}`;
    const directory = path.join(where.parent, name);
    try {
      ensureDirectory(where.parent);
      mkdirSync(directory);
    } catch {
      return undefined;
    }
    return new ServiceCgroup(where.version, directory);
  }

  /**
   * Moves the leader in, then (twice) every process of its session and their descendants: a
   * child the shell forked before the leader moved would otherwise run outside and its CPU be
   * lost. Processes forked after their parent moved start inside. False when the leader could not
   * be moved (the caller then reads /proc).
   */
  adopt(leader: number): boolean {
    if (!this.move(leader)) return false;
    for (let sweep = 0; sweep < 2; sweep++)
      for (const stat of processTree(leader)) if (stat.pid !== leader) this.move(stat.pid);
    return true;
  }

  private move(pid: number): boolean {
    try {
      writeFileSync(path.join(this.directory, 'cgroup.procs'), String(pid));
      return true;
    } catch {
      return false; // ESRCH: gone already; a zombie cannot move and needs no counting.
    }
  }

  cpuNanos(): number | undefined {
    return readCpuNanos(this.version, this.directory);
  }

  /** One attempt: rmdir works only once every process of the group has exited. */
  tryRemove(): boolean {
    if (this.removed) return true;
    this.removed = removeGroup(this.directory);
    return this.removed;
  }

  /** Removes the group, waiting up to timeoutMs for its last processes to finish exiting. */
  async remove(timeoutMs = 2000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!this.tryRemove()) {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
    return true;
  }
}

function removeGroup(directory: string): boolean {
  try {
    rmdirSync(directory);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * The reaper's part: removes the groups of owners that are dead (a SIGKILLed peakgate never ran
 * its stop). Only names peakgate makes are touched, only in peakgate's directory, and rmdir
 * removes a group only once it is empty: the process reaper kills the groups' processes first,
 * and a group still in use is left for the next reap. Returns the directories removed.
 */
export function reapCgroups(waitMs = 1000): string[] {
  if (process.platform !== 'linux') return [];
  let pending: string[] = [];
  // Both hierarchies, without creating anything: a run that used either may have died.
  for (const version of [2, 1] as const) {
    const hierarchy = findHierarchy(version);
    if (hierarchy === undefined) continue;
    const parent = path.join(hierarchy.ownDirectory, 'peakgate');
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const match = GROUP_NAME.exec(name);
      if (match !== null && !isProcessAlive(Number(match[1]), Number(match[2]))) pending.push(path.join(parent, name));
    }
  }
  const removed: string[] = [];
  const deadline = performance.now() + waitMs;
  // Processes SIGKILLed a moment ago by the process reaper take a few ms to leave their group.
  while (pending.length > 0) {
    pending = pending.filter((directory) => {
      if (!removeGroup(directory)) return true;
      removed.push(directory);
      return false;
    });
    if (pending.length === 0 || performance.now() >= deadline) break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
  return removed;
}
