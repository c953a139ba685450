/**
 * A build's dependencies (service.dependencies): started fresh for one trial of one side, before
 * the build, and removed after it, so baseline and candidate never share an instance. With the
 * docker driver they sit on a private network `peakgate-<run>-<role>-<trial>` that the build
 * joins, each reachable by its name; with the process driver each is a process on its own free
 * port. The build is told where they are in PEAKGATE_DEP_<NAME>_HOST, _PORT and _URL.
 */
import type { DependencySpec, ServiceSpec } from '@peakgate/core';
import { isServiceNotReadyError, ServiceNotReadyError } from './not-ready-error.js';
import type { PrivateNetwork, ServiceDriver, StartedService, StartOptions } from './service-driver.js';

export interface StartedDependency {
  readonly name: string;
  readonly service: StartedService;
  /** Where the build reaches it: the alias on the private network, or 127.0.0.1. */
  readonly host: string;
  readonly port: number;
}

export interface DependencySet {
  readonly dependencies: readonly StartedDependency[];
  /** Variables the build is started with (empty without dependencies). */
  readonly env: Record<string, string>;
  /** The private network the build must join (docker, with dependencies). */
  readonly network?: PrivateNetwork;
  /** Stops and removes every dependency, then the network. Idempotent. */
  stop(): Promise<void>;
}

/** `kv-store` → `PEAKGATE_DEP_KV_STORE`. */
export function dependencyEnvPrefix(name: string): string {
  return `PEAKGATE_DEP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const EMPTY: DependencySet = { dependencies: [], env: {}, stop: async () => {} };

export async function startDependencies(
  driver: ServiceDriver,
  specs: readonly DependencySpec[],
  options: StartOptions,
): Promise<DependencySet> {
  if (specs.length === 0) return EMPTY;
  const network = driver.createNetwork ? await driver.createNetwork(options) : undefined;
  const settled = await Promise.allSettled(specs.map((spec) => startOne(driver, spec, options, network)));
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.allSettled(started.map((dependency) => dependency.service.stop()));
      await network?.remove();
    })();
    return stopping;
  };
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  const env: Record<string, string> = {};
  for (const dependency of started) {
    const prefix = dependencyEnvPrefix(dependency.name);
    env[`${prefix}_HOST`] = dependency.host;
    env[`${prefix}_PORT`] = String(dependency.port);
    env[`${prefix}_URL`] = `http://${dependency.host}:${dependency.port}`;
  }
  return { dependencies: started, env, ...(network !== undefined ? { network } : {}), stop };
}

async function startOne(
  driver: ServiceDriver,
  spec: DependencySpec,
  options: StartOptions,
  network: PrivateNetwork | undefined,
): Promise<StartedDependency> {
  const service: ServiceSpec = {
    port: spec.port,
    ready: spec.ready ?? { kind: 'tcp', timeoutMs: spec.readyTimeoutMs },
    env: spec.env,
    resources: spec.resources,
    network: 'bridge',
  };
  try {
    const started = await driver.start(spec.build, service, {
      ...options,
      component: spec.name,
      ...(network !== undefined ? { network: { name: network.name, aliases: [spec.name] } } : {}),
      // The image's HEALTHCHECK, when it has one, unless the scenario says how.
      preferHealthcheck: spec.ready === undefined,
    });
    return network !== undefined
      ? { name: spec.name, service: started, host: spec.name, port: spec.port }
      : { name: spec.name, service: started, host: '127.0.0.1', port: started.port };
  } catch (error) {
    if (!isServiceNotReadyError(error)) throw error;
    // Name the dependency: the build itself was never started.
    throw new ServiceNotReadyError(`dependency "${spec.name}" of the ${options.role}: ${error.message}`, {
      ...error.exit,
      message: `its dependency "${spec.name}" ${error.exit.message ?? 'never got ready'}`,
    });
  }
}
