/**
 * Binds the controller's seams to the real load engine and service drivers.
 */
import type { ReportSide } from '@peakgate/core';
import { runLoad } from '@peakgate/loadgen';
import {
  type DependencySet,
  isServiceNotReadyError,
  reap,
  type ServiceDriver,
  type StartedService,
  startDependencies,
} from '@peakgate/runtime';
import type { LoadRunner, RunningService, ServiceLauncher } from './ports.js';

export function engineLoadRunner(): LoadRunner {
  return {
    run: (options) =>
      runLoad({
        target: options.target,
        plan: options.plan,
        workers: options.workers,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.allowHosts !== undefined ? { allowHosts: options.allowHosts } : {}),
        ...(options.onSample !== undefined ? { onSample: options.onSample } : {}),
        ...(options.onPhase !== undefined ? { onPhase: options.onPhase } : {}),
      }),
  };
}

export function driverLauncher(driver: ServiceDriver): ServiceLauncher {
  const location = driver.location;
  // Load may leave loopback only for the engine host the user named (DOCKER_HOST, PEAKGATE_SERVICE_HOST).
  const allowHosts = location?.explicit === true ? [location.serviceHost] : [];
  const side = (): ReportSide =>
    driver.name === 'docker'
      ? {
          driver: 'docker',
          at: location?.engine ?? 'the local Docker engine',
          host: location?.serviceHost ?? '127.0.0.1',
          cpuSource: "the container's cgroup (local engine) or the engine's stats API",
        }
      : { driver: driver.name, at: 'this machine', host: '127.0.0.1', cpuSource: '/proc of the process group' };
  return {
    driver: driver.name,
    ...(location !== undefined ? { location: { engine: location.engine, serviceHost: location.serviceHost } } : {}),
    // Both sides run on the same engine or machine; listed per side so a report reads alike for every mode.
    sides: { baseline: side(), candidate: side() },
    async start(build, service, options) {
      const startOptions = {
        runId: options.runId,
        role: options.role,
        outDir: options.outDir,
        trial: options.trial,
        ...(options.cpuset !== undefined ? { cpuset: options.cpuset } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      };
      try {
        // Fresh dependencies for this side and trial, ready before the build starts (dependency-set.ts).
        const dependencies = await startDependencies(driver, service.dependencies ?? [], startOptions);
        let started: StartedService;
        try {
          started = await driver.start(
            build,
            { ...service, env: { ...service.env, ...dependencies.env } },
            {
              ...startOptions,
              ...(dependencies.network !== undefined ? { network: { name: dependencies.network.name } } : {}),
            },
          );
        } catch (error) {
          await dependencies.stop();
          throw error;
        }
        return { ok: true, service: { ...runningService(started, dependencies), allowHosts } };
      } catch (error) {
        // A build that exits or times out before it is ready is evidence against it, not a broken sandbox.
        if (isServiceNotReadyError(error)) return { ok: false, exit: error.exit };
        throw error;
      }
    },
    async reap() {
      const result = await reap({ skipDocker: driver.name === 'process' });
      return result.containers.length + result.networks.length + result.services.length + result.processes.length;
    },
  };
}

function runningService(started: StartedService, dependencies: DependencySet): RunningService {
  return {
    url: started.url,
    readyMs: started.readyMs,
    logPath: started.logPath,
    ...(started.cpuset !== undefined ? { cpuset: started.cpuset } : {}),
    read: async () => {
      const reading = await started.sample();
      return { cpuNanos: reading.cpuNanos, memoryBytes: reading.memoryBytes };
    },
    exited: started.exited,
    stop: async () => {
      try {
        return (await started.stop()).exit;
      } finally {
        await dependencies.stop();
      }
    },
    dependencies: dependencies.dependencies.map((dependency) => ({
      name: dependency.name,
      address: `${dependency.host}:${dependency.port}`,
      readyMs: dependency.service.readyMs,
      read: async () => {
        const reading = await dependency.service.sample();
        return { cpuNanos: reading.cpuNanos, memoryBytes: reading.memoryBytes };
      },
    })),
  };
}
