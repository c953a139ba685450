/**
 * Binds the controller's seams to the real load engine and service drivers.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { PeakgateError, type ReportSide } from '@peakgate/core';
import { runLoad } from '@peakgate/loadgen';
import {
  assertDockerReachable,
  createDocker,
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
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
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
      : {
          driver: driver.name,
          at: 'this machine',
          host: '127.0.0.1',
          cpuSource: driver.cpuSource ?? '/proc of the process group',
        };
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
    // Swarm: the manager's engine, then the engines of the workers that run a build (the driver's).
    ...(driver.name === 'docker' || driver.name === 'swarm'
      ? { assertEngine: engineCheck(location?.engine ?? 'the Docker engine', driver.assertEngine?.bind(driver)) }
      : {}),
  };
}

/** A ping of the engine the driver uses (DOCKER_HOST as createDocker reads it), worded for a mid-run loss. */
function engineCheck(engine: string, nodes?: () => Promise<void>): () => Promise<void> {
  const docker = createDocker();
  // A new connection for every ping: a dockerd that is shutting down closes its socket at once but
  // keeps answering on kept-alive connections for a second or more (measured: 1.2 s), long enough
  // to call the containers it stopped crashed. (ssh: the modem brings its own agent.)
  const modem = docker.modem as { protocol?: string; agent?: unknown };
  if (modem.protocol !== 'ssh' && modem.agent === undefined) {
    modem.agent =
      modem.protocol === 'https' ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
  }
  return async () => {
    try {
      await assertDockerReachable(docker, 3000);
    } catch (error) {
      throw new PeakgateError(
        'PG_ERR_RUNTIME_UNREACHABLE',
        `the Docker engine at ${engine} stopped answering during the run: the services ended with it, not on their own, so there is no verdict; restart the engine, then run \`peakgate reap\` to remove what it kept`,
        { cause: error },
      );
    }
    await nodes?.();
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
