/**
 * CPU and memory of a container. On a local engine the cgroup files are read directly: cheap
 * (no API round trip) and exact (cpuacct.usage is nanoseconds). Otherwise (remote DOCKER_HOST, or
 * a cgroup layout we do not know) one-shot stats from the API: `cpu_stats.cpu_usage.total_usage`
 * and memory as the docker CLI shows it (usage minus inactive file cache).
 */
import { existsSync, readFileSync } from 'node:fs';
import type Docker from 'dockerode';

export interface ContainerUsage {
  cpuNanos: number;
  memoryBytes: number;
}

export interface ResourceReader {
  readonly source: 'cgroup-v1' | 'cgroup-v2' | 'stats-api';
  read(): Promise<ContainerUsage>;
}

const ROOT = '/sys/fs/cgroup';

function statValue(text: string, key: string): number | undefined {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** v1 reader for a container whose cpuacct and memory cgroups are at these paths (relative to their hierarchy). */
function cgroupV1At(cpuRel: string, memRel: string): ResourceReader | undefined {
  const cpu = `${ROOT}/cpuacct${cpuRel}/cpuacct.usage`;
  const mem = `${ROOT}/memory${memRel}`;
  if (!existsSync(cpu) || !existsSync(`${mem}/memory.usage_in_bytes`)) return undefined;
  return {
    source: 'cgroup-v1',
    read: async () => {
      const usage = Number(readFileSync(`${mem}/memory.usage_in_bytes`, 'utf8'));
      const inactive = statValue(readFileSync(`${mem}/memory.stat`, 'utf8'), 'total_inactive_file') ?? 0;
      return { cpuNanos: Number(readFileSync(cpu, 'utf8')), memoryBytes: inactive < usage ? usage - inactive : usage };
    },
  };
}

function cgroupV2At(rel: string): ResourceReader | undefined {
  const dir = `${ROOT}${rel}`;
  if (!existsSync(`${dir}/cpu.stat`) || !existsSync(`${dir}/memory.current`)) return undefined;
  return {
    source: 'cgroup-v2',
    read: async () => {
      const usec = statValue(readFileSync(`${dir}/cpu.stat`, 'utf8'), 'usage_usec') ?? 0;
      const usage = Number(readFileSync(`${dir}/memory.current`, 'utf8'));
      const inactive = statValue(readFileSync(`${dir}/memory.stat`, 'utf8'), 'inactive_file') ?? 0;
      return { cpuNanos: usec * 1000, memoryBytes: inactive < usage ? usage - inactive : usage };
    },
  };
}

/**
 * Finds the container's cgroups from /proc/<pid>/cgroup of its main process, which covers every
 * layout (cgroupfs or systemd driver, custom parents, a nested engine). The paths must name the
 * container id, so a pid that happens to exist here for a remote engine's container is ignored.
 */
function cgroupFromPid(id: string, pid: number | undefined): ResourceReader | undefined {
  if (!pid) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [, controllers, rel] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || rel === undefined || !rel.includes(id)) continue;
    for (const c of controllers.split(',')) paths.set(c, rel);
  }
  const cpu = paths.get('cpuacct');
  const mem = paths.get('memory');
  if (cpu !== undefined && mem !== undefined) return cgroupV1At(cpu, mem);
  const unified = paths.get('');
  return unified !== undefined && existsSync(`${ROOT}/cgroup.controllers`) ? cgroupV2At(unified) : undefined;
}

/** Default layouts, for when the main process cannot be looked up. */
function cgroupByLayout(id: string): ResourceReader | undefined {
  return (
    cgroupV2At(`/system.slice/docker-${id}.scope`) ??
    cgroupV2At(`/docker/${id}`) ??
    cgroupV1At(`/docker/${id}`, `/docker/${id}`) ??
    cgroupV1At(`/system.slice/docker-${id}.scope`, `/system.slice/docker-${id}.scope`)
  );
}

interface StatsBody {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

function statsApi(container: Docker.Container): ResourceReader {
  return {
    source: 'stats-api',
    read: async () => {
      // one-shot (API >= 1.41) answers at once instead of waiting two 1 s collector ticks.
      const oneShot = container.stats.bind(container) as unknown as (opts: object) => Promise<StatsBody>;
      const body = await oneShot({ stream: false, 'one-shot': true, abortSignal: AbortSignal.timeout(5000) });
      const usage = body.memory_stats?.usage ?? 0;
      const stats = body.memory_stats?.stats ?? {};
      const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
      return {
        cpuNanos: body.cpu_stats?.cpu_usage?.total_usage ?? 0,
        memoryBytes: inactive < usage ? usage - inactive : usage,
      };
    },
  };
}

/** `auto`: the cgroup files for a local engine, else the stats API; `api`: always the stats API. */
export type StatsSource = 'auto' | 'api';

/**
 * Picks the cheapest exact source for this container. `local` = the engine runs on this machine
 * (unix socket); `pid` = State.Pid of its main process. `api` (PEAKGATE_STATS_SOURCE=api, read by
 * the controller's run request) forces the API.
 */
export function resourceReader(
  container: Docker.Container,
  id: string,
  pid: number | undefined,
  local: boolean,
  source: StatsSource = 'auto',
): ResourceReader {
  if (local && process.platform === 'linux' && source !== 'api') {
    const reader = cgroupFromPid(id, pid) ?? cgroupByLayout(id);
    if (reader) return reader;
  }
  return statsApi(container);
}
