/**
 * Binds the controller's seams to the real load engine and service drivers.
 */
import { runLoad } from '@peakgate/loadgen';
import { isServiceNotReadyError, reap, type ServiceDriver, type StartedService } from '@peakgate/runtime';
import type { LoadRunner, RunningService, ServiceLauncher } from './ports.js';

export function engineLoadRunner(): LoadRunner {
  return {
    run: (options) =>
      runLoad({
        target: options.target,
        plan: options.plan,
        workers: options.workers,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.onSample !== undefined ? { onSample: options.onSample } : {}),
        ...(options.onPhase !== undefined ? { onPhase: options.onPhase } : {}),
      }),
  };
}

export function driverLauncher(driver: ServiceDriver): ServiceLauncher {
  return {
    driver: driver.name,
    async start(build, service, options) {
      try {
        const started = await driver.start(build, service, {
          runId: options.runId,
          role: options.role,
          outDir: options.outDir,
          trial: options.trial,
          ...(options.cpuset !== undefined ? { cpuset: options.cpuset } : {}),
          ...(options.signal !== undefined ? { signal: options.signal } : {}),
        });
        return { ok: true, service: runningService(started) };
      } catch (error) {
        // A build that exits or times out before it is ready is evidence against it, not a broken sandbox.
        if (isServiceNotReadyError(error)) return { ok: false, exit: error.exit };
        throw error;
      }
    },
    async reap() {
      const result = await reap({ skipDocker: driver.name !== 'docker' });
      return result.containers.length + result.processes.length;
    },
  };
}

function runningService(started: StartedService): RunningService {
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
    stop: async () => (await started.stop()).exit,
  };
}
