/**
 * The swarm driver: each build runs as a one-replica Docker Swarm service, created through the
 * manager peakgate talks to (dockerode's services API). What keeps a duet fair and a verdict honest:
 * - both services are pinned to one node by a placement constraint (default `node.role==manager`,
 *   or PEAKGATE_SWARM_CONSTRAINT), so they share that node's cores as on the docker driver;
 * - ports are published in `host` mode on an ephemeral port of that node: the ingress routing mesh
 *   (a virtual IP and IPVS in front of the task) does not work on every host, this one included,
 *   and it would add a hop to every measured request;
 * - restart policy `none`: Swarm would otherwise replace a crashed task, and a crash must stay one;
 * - CPU and memory come from the task's container through the node's engine, exactly as on the
 *   docker driver (swarm/service.ts); where that container is out of reach the start refuses
 *   (PG_ERR_RUNTIME_NO_STATS) rather than judge without CPU;
 * - the service and its task container carry the same owner labels as a docker-driver container,
 *   so `reap()` removes a dead owner's services and nothing else (swarm/reaper.ts).
 */
import { type BuildSpec, describeBuildSpec, PeakgateError, type ServiceSpec } from '@peakgate/core';
import type Docker from 'dockerode';
import { createDocker, engineMessage, isUnreachable, statusOf, unreachableError } from '../docker/client.js';
import { containerLocation } from '../docker/container-service.js';
import type { StatsSource } from '../docker/resources.js';
import { containerLabels } from '../labels.js';
import { LogSink, logName } from '../log-sink.js';
import type { ServiceDriver, ServiceLocation, StartedService, StartOptions } from '../service-driver.js';
import { launched } from '../service-handle.js';
import { assertSwarmImage } from './image.js';
import { type SwarmManager, swarmManager } from './manager.js';
import { assertNodeEngine } from './node-engine.js';
import { SwarmService } from './service.js';

export interface SwarmDriverOptions {
  docker?: Docker;
  /**
   * Placement constraints for both builds (Swarm syntax, `node.labels.bench==true`). Default
   * `node.role==manager`; the controller's run request fills it from PEAKGATE_SWARM_CONSTRAINT.
   */
  constraints?: string[];
  /** 'api' (PEAKGATE_STATS_SOURCE=api): a task's CPU and memory from the stats API. Default 'auto'. */
  statsSource?: StatsSource;
  /** Seconds between SIGTERM and SIGKILL when a service is removed. */
  stopGraceSeconds?: number;
  /** Where load and probes reach published ports; default as on the docker driver. */
  serviceHost?: string;
}

export const DEFAULT_SWARM_CONSTRAINT = 'node.role==manager';

/** The constraints a driver uses: the option (PEAKGATE_SWARM_CONSTRAINT, resolved by the controller), else the manager. */
export function swarmConstraints(option?: readonly string[]): string[] {
  return option !== undefined && option.length > 0 ? [...option] : [DEFAULT_SWARM_CONSTRAINT];
}

export class SwarmDriver implements ServiceDriver {
  readonly name = 'swarm' as const;
  readonly location: ServiceLocation;
  readonly constraints: string[];
  private readonly docker: Docker;
  private readonly serviceHost: string;
  private manager: Promise<SwarmManager> | undefined;
  /** Builds started and not yet stopped: their nodes' engines are pinged by assertEngine(). */
  private readonly live = new Set<SwarmService>();

  constructor(private readonly options: SwarmDriverOptions = {}) {
    this.docker = options.docker ?? createDocker();
    this.constraints = swarmConstraints(options.constraints);
    this.location = containerLocation(this.docker, options.serviceHost);
    this.serviceHost = this.location.serviceHost;
  }

  async start(build: BuildSpec, service: ServiceSpec, options: StartOptions): Promise<StartedService> {
    if (build.kind !== 'image')
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `the swarm driver needs an image for the ${options.role}, got ${describeBuildSpec(build)}; use --driver process`,
      );
    if (options.component !== undefined)
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `--driver swarm does not start service.dependencies yet (found "${options.component}"); use --driver docker for a scenario with dependencies`,
      );
    const startedAt = performance.now();
    options.signal?.throwIfAborted();
    // A failed check is not cached: the next start asks again (someone may have run swarm init).
    this.manager ??= swarmManager(this.docker).catch((error: unknown) => {
      this.manager = undefined;
      throw error;
    });
    const manager = await this.manager;
    await assertSwarmImage(this.docker, build.image, 'for the samples: `pnpm images`');
    const logs = await LogSink.create(options.outDir, logName(options), options.trial);
    let created: Docker.Service;
    const name = serviceName(options);
    try {
      created = await this.docker.createService(serviceSpec(name, build.image, service, options, this));
    } catch (error) {
      await logs.close();
      if (isUnreachable(error)) throw unreachableError(this.docker, error);
      if (statusOf(error) === 503)
        throw new PeakgateError('PG_ERR_RUNTIME_NO_SWARM', `cannot create service ${name}: ${engineMessage(error)}`, {
          cause: error,
        });
      throw new PeakgateError(
        'PG_ERR_RUNTIME_START',
        `cannot create swarm service ${name} from ${build.image}: ${engineMessage(error)}`,
        { cause: error },
      );
    }
    const handle = new SwarmService(this.docker, created, name, logs, options, {
      manager,
      constraints: this.constraints,
      serviceHost: this.serviceHost,
      cpuset: options.cpuset ?? service.resources.cpuset,
      stopGraceSeconds: this.stopGraceSeconds,
      statsSource: this.options.statsSource ?? 'auto',
    });
    this.live.add(handle);
    return launched(handle, () => handle.launch(service, startedAt));
  }

  /**
   * Pings the engine of every node other than the manager's that runs one of our builds (the
   * manager's own engine is the launcher's check): a worker that stopped answering mid-run took
   * its build down with it, PG_ERR_RUNTIME_UNREACHABLE naming the node and the service.
   */
  async assertEngine(): Promise<void> {
    for (const handle of [...this.live]) {
      if (handle.state === 'stopping' || handle.state === 'stopped') {
        this.live.delete(handle);
        continue;
      }
      const node = handle.taskNode;
      if (node !== undefined && node.docker !== this.docker)
        await assertNodeEngine(node, `swarm service ${handle.serviceName}`);
    }
  }

  get stopGraceSeconds(): number {
    return this.options.stopGraceSeconds ?? 5;
  }
}

/** `peakgate-<run>-<role>-<rand>`: a service name must be a DNS label (letters, digits, '-', ≤ 63). */
function serviceName(options: StartOptions): string {
  const random = Math.random().toString(36).slice(2, 8);
  const base = `peakgate-${options.runId}-${logName(options)}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 55);
  return `${base}-${random}`;
}

function serviceSpec(
  name: string,
  image: string,
  service: ServiceSpec,
  options: StartOptions,
  driver: { constraints: string[]; stopGraceSeconds: number },
): Docker.CreateServiceOptions {
  const labels = containerLabels(options.runId, options.role, options.component);
  const env = { ...service.env, PORT: String(service.port) };
  const limits = {
    ...(service.resources.cpus !== undefined ? { NanoCPUs: Math.round(service.resources.cpus * 1e9) } : {}),
    ...(service.resources.memoryBytes !== undefined ? { MemoryBytes: service.resources.memoryBytes } : {}),
  };
  return {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
        // Args replaces the image's CMD, as Cmd does for a docker-driver container.
        ...(service.command ? { Args: service.command } : {}),
        Labels: labels,
        StopGracePeriod: driver.stopGraceSeconds * 1e9,
      },
      Resources: { Limits: limits },
      // A crash is a crash: Swarm must not start a replacement task behind our back.
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: driver.constraints },
    },
    Mode: { Replicated: { Replicas: 1 } },
    // dnsrr: no virtual IP, so the service needs no ingress network; host mode: the task's own
    // node publishes the port (ephemeral: PublishedPort left out), no routing mesh in between.
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: service.port, PublishMode: 'host' }],
    },
  };
}
