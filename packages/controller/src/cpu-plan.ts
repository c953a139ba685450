/**
 * Splits the machine's cores between the service under test and the load engine, so that the
 * generator does not steal CPU from the service it measures (and vice versa). On a 2-core
 * machine: service on core 1, load on core 0. With one core nothing can be pinned apart, and
 * the report says so.
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from '@peakgate/core';

export interface CpuPlan {
  totalCores: number;
  /** CPU set for the service, or undefined when it cannot be pinned apart. */
  serviceCpuset?: string;
  /** CPU set for the load engine, or undefined when it cannot be pinned apart. */
  loadCpuset?: string;
  /** Worker threads for the load engine: one per load core. */
  loadWorkers: number;
}

/** Cores requested by the scenario for the service: an explicit cpuset wins, else ceil(cpus), else 1. */
export function planCpus(options: { cpus?: number; cpuset?: string; totalCores?: number }): CpuPlan {
  const totalCores = options.totalCores ?? availableParallelism();
  if (options.cpuset !== undefined) {
    const serviceCores = parseCpuset(options.cpuset);
    const loadCores = range(totalCores).filter((core) => !serviceCores.includes(core));
    return {
      totalCores,
      serviceCpuset: options.cpuset,
      ...(loadCores.length > 0 ? { loadCpuset: formatCpuset(loadCores) } : {}),
      loadWorkers: Math.max(1, loadCores.length),
    };
  }
  if (totalCores < 2) return { totalCores, loadWorkers: 1 };
  const serviceCount = Math.min(totalCores - 1, Math.max(1, Math.ceil(options.cpus ?? 1)));
  const all = range(totalCores);
  const serviceCores = all.slice(totalCores - serviceCount);
  const loadCores = all.slice(0, totalCores - serviceCount);
  return {
    totalCores,
    serviceCpuset: formatCpuset(serviceCores),
    loadCpuset: formatCpuset(loadCores),
    loadWorkers: loadCores.length,
  };
}

/** The plan for a scenario's `service.resources` (cpus, cpuset). */
export function planCpusFor(resources: ResourceLimits, totalCores?: number): CpuPlan {
  return planCpus({
    ...(resources.cpus !== undefined ? { cpus: resources.cpus } : {}),
    ...(resources.cpuset !== undefined ? { cpuset: resources.cpuset } : {}),
    ...(totalCores !== undefined ? { totalCores } : {}),
  });
}

export function parseCpuset(cpuset: string): number[] {
  const cores = new Set<number>();
  for (const part of cpuset.split(',')) {
    const [from, to] = part
      .trim()
      .split('-')
      .map((n) => Number.parseInt(n, 10));
    if (from === undefined || Number.isNaN(from)) continue;
    const end = to === undefined || Number.isNaN(to) ? from : to;
    for (let core = from; core <= end; core++) cores.add(core);
  }
  return [...cores].sort((a, b) => a - b);
}

function formatCpuset(cores: number[]): string {
  return cores.join(',');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
