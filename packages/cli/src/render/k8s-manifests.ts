/**
 * A resolved scenario → the Kubernetes objects a user would apply to run it there: the scenario
 * as a ConfigMap, each build's dependencies and the two builds as Deployments + Services, and the
 * load as an Indexed Job whose completion index is the shard index. Pure data in, plain objects
 * out (serialising and writing them is manifest-files.ts's job), so tests can validate every
 * object against the Kubernetes schemas. Nothing here talks to a cluster: this is the design of a
 * Kubernetes driver written down and checked by machine, not the driver (docs/kubernetes.md).
 */
import {
  type BuildSpec,
  describeBuildSpec,
  MAX_LOAD_SHARDS,
  PeakgateError,
  type ReadinessCheck,
  type ResourceLimits,
  type Role,
  type Scenario,
  SHARD_ENV,
} from '@peakgate/core';
// The runtime's label names, so a pod carries the same ownership labels as a container. The owner
// pid/host labels are left off: no local process owns what a cluster runs (docs/kubernetes.md).
import { dependencyEnvPrefix, LABEL_COMPONENT, LABEL_MANAGED, LABEL_ROLE, LABEL_RUN } from '@peakgate/runtime';

/** A Kubernetes object as plain data: apiVersion, kind, metadata and the rest. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  [field: string]: unknown;
}

export interface K8sRenderOptions {
  /** Run id for the peakgate.run label (the controller's runs use 8 hex digits). */
  runId: string;
  /** Load shards: the Job's completions and parallelism. */
  shards: number;
  /** Overrides for the scenario's baseline/candidate image (required when the scenario has none). */
  images?: Partial<Record<Role, string>>;
  /** The image each load shard runs. */
  loadImage: string;
  /** Sets metadata.namespace on every object; absent: kubectl's current namespace. */
  namespace?: string;
  /** Pins both builds to this node (nodeSelector kubernetes.io/hostname). */
  node?: string;
  /** The scenario file's text and name, mounted into each shard from the ConfigMap. */
  scenarioText: string;
  scenarioFileName: string;
}

export interface K8sRender {
  objects: K8sObject[];
  /** What the manifests cannot express (e.g. a log readiness check); printed for the user. */
  warnings: string[];
}

/** Where each shard finds the scenario (the ConfigMap's mount). */
export const SCENARIO_MOUNT_DIR = '/etc/peakgate';
/** The annotation Kubernetes sets on each pod of an Indexed Job (k8s ≥ 1.22). */
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** A ConfigMap holds at most 1 MiB. */
const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** Time a shard's pod may take to be scheduled, pull its image and start, on top of the load itself. */
const JOB_START_SLACK_SECONDS = 300;
const HOSTNAME_TOPOLOGY = 'kubernetes.io/hostname';
const ROLES: readonly Role[] = ['baseline', 'candidate'];

export function renderK8sManifests(scenario: Scenario, options: K8sRenderOptions): K8sRender {
  checkRenderable(scenario, options);
  const warnings: string[] = [];
  const base = dnsLabel(scenario.name, 24, 'peakgate');
  const meta = (name: string, labels: Record<string, string>) => ({
    name,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    labels,
  });
  const labels = (role: string, instance: string, component?: string): Record<string, string> => ({
    [LABEL_MANAGED]: 'true',
    [LABEL_RUN]: options.runId,
    [LABEL_ROLE]: role,
    ...(component === undefined ? {} : { [LABEL_COMPONENT]: component }),
    'app.kubernetes.io/name': 'peakgate',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/managed-by': 'peakgate',
  });

  const configMapName = `${base}-scenario`;
  const objects: K8sObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(configMapName, labels('load', configMapName)),
      data: { [options.scenarioFileName]: options.scenarioText },
    },
  ];

  const serviceUrls: Partial<Record<Role, string>> = {};
  for (const role of ROLES) {
    const buildName = `${base}-${role}`;
    const env: Record<string, string> = { ...scenario.service.env };
    for (const dependency of scenario.service.dependencies ?? []) {
      // Cut to what fits after the longer build name, so both builds' copies share one component name.
      const component = dnsLabel(dependency.name, 63 - `${base}-candidate-`.length, 'dep');
      const name = `${buildName}-${component}`;
      const depLabels = labels(role, name, component);
      const probe = dependency.ready ?? { kind: 'tcp' as const, timeoutMs: dependency.readyTimeoutMs };
      objects.push(
        service(meta(name, depLabels), depLabels, dependency.port, 'tcp'),
        deployment(meta(name, depLabels), depLabels, {
          image: imageOf(dependency.build, `service.dependencies.${dependency.name}`),
          port: dependency.port,
          env: dependency.env,
          resources: dependency.resources,
          ready: probe,
          warnings,
          what: `dependency ${dependency.name} of the ${role}`,
        }),
      );
      const prefix = dependencyEnvPrefix(dependency.name);
      env[`${prefix}_HOST`] = name;
      env[`${prefix}_PORT`] = String(dependency.port);
      env[`${prefix}_URL`] = `http://${name}:${dependency.port}`;
    }
    const buildLabels = labels(role, buildName);
    const spec = deployment(meta(buildName, buildLabels), buildLabels, {
      image: options.images?.[role] ?? imageOf(scenario[role], role),
      port: scenario.service.port,
      env,
      resources: scenario.service.resources,
      ready: scenario.service.ready,
      ...(scenario.service.command === undefined ? {} : { args: scenario.service.command }),
      warnings,
      what: `the ${role}`,
      // The duet shares cores: the candidate goes where the baseline is (or both to --node).
      placement: {
        ...(options.node === undefined ? {} : { nodeSelector: { [HOSTNAME_TOPOLOGY]: options.node } }),
        ...(role === 'candidate'
          ? {
              affinity: {
                podAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    {
                      labelSelector: {
                        matchLabels: { [LABEL_RUN]: options.runId, 'app.kubernetes.io/instance': `${base}-baseline` },
                      },
                      topologyKey: HOSTNAME_TOPOLOGY,
                    },
                  ],
                },
              },
            }
          : {}),
      },
    });
    objects.push(service(meta(buildName, buildLabels), buildLabels, scenario.service.port, 'http'), spec);
    serviceUrls[role] = `http://${buildName}:${scenario.service.port}`;
  }

  const jobName = `${base}-load`;
  const jobLabels = labels('load', jobName);
  const trialSeconds = Math.ceil(
    (scenario.load.phases.reduce((sum, phase) => sum + phase.durationMs, 0) + (scenario.load.warmup?.durationMs ?? 0)) /
      1000,
  );
  objects.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(jobName, jobLabels),
    spec: {
      completionMode: 'Indexed',
      completions: options.shards,
      parallelism: options.shards,
      // A retried shard would send its share twice or late: one failure fails the Job, and the
      // trial is an infrastructure error, never a verdict on fewer requests than asked.
      backoffLimit: 0,
      activeDeadlineSeconds: trialSeconds + JOB_START_SLACK_SECONDS,
      template: {
        metadata: { labels: jobLabels },
        spec: {
          restartPolicy: 'Never',
          // Keep shards off the builds' node (their cores are the measurement) and apart from each
          // other; preferred, so a one-node cluster still runs them.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: {
                      matchExpressions: [
                        { key: LABEL_RUN, operator: 'In', values: [options.runId] },
                        { key: LABEL_ROLE, operator: 'In', values: [...ROLES] },
                      ],
                    },
                    topologyKey: HOSTNAME_TOPOLOGY,
                  },
                },
                {
                  weight: 50,
                  podAffinityTerm: {
                    labelSelector: { matchLabels: { 'app.kubernetes.io/instance': jobName } },
                    topologyKey: HOSTNAME_TOPOLOGY,
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: 'load',
              image: options.loadImage,
              env: [
                {
                  name: SHARD_ENV.index,
                  valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } },
                },
                { name: SHARD_ENV.count, value: String(options.shards) },
                { name: 'PEAKGATE_RUN', value: options.runId },
                { name: 'PEAKGATE_SCENARIO', value: `${SCENARIO_MOUNT_DIR}/${options.scenarioFileName}` },
                { name: 'PEAKGATE_BASELINE_URL', value: serviceUrls.baseline },
                { name: 'PEAKGATE_CANDIDATE_URL', value: serviceUrls.candidate },
              ],
              // One core per shard: docs/scale.md measures what one generator core sends.
              resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              volumeMounts: [{ name: 'scenario', mountPath: SCENARIO_MOUNT_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'scenario', configMap: { name: configMapName } }],
        },
      },
    },
  });
  // Two dependency names that differ only in characters a DNS label cannot hold (`kv_a`, `kv-a`)
  // would become one object written twice.
  const seen = new Set<string>();
  for (const object of objects) {
    const key = `${object.kind}/${object.metadata.name}`;
    if (seen.has(key))
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `service.dependencies: two names become the same Kubernetes name ${object.metadata.name}; rename one`,
      );
    seen.add(key);
  }
  return { objects, warnings };
}

/** Input the manifests cannot carry is a usage error naming the field (exit 2). */
function checkRenderable(scenario: Scenario, options: K8sRenderOptions): void {
  if (!Number.isInteger(options.shards) || options.shards < 1 || options.shards > MAX_LOAD_SHARDS)
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--shards must be a whole number from 1 to ${MAX_LOAD_SHARDS}`);
  if (!LABEL_VALUE.test(options.runId))
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `--run-id "${options.runId}" is not a Kubernetes label value (lowercase letters, digits and "-", at most 63)`,
    );
  if (options.namespace !== undefined && !DNS_LABEL.test(options.namespace))
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `--namespace "${options.namespace}" is not a Kubernetes namespace name (lowercase letters, digits and "-", at most 63)`,
    );
  const timeline = scenario.load.phases.findIndex((phase) => phase.load.model === 'open' && phase.load.timeline);
  if (timeline >= 0)
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `load.phases.${timeline}: a timeline file cannot be rendered for Kubernetes yet (only the scenario file goes into the ConfigMap)`,
    );
  if (Buffer.byteLength(options.scenarioText) > CONFIGMAP_MAX_BYTES)
    throw new PeakgateError('PG_ERR_OPTS_INVALID', 'the scenario file is larger than a ConfigMap holds (1 MiB)');
}

function imageOf(build: BuildSpec | undefined, field: string): string {
  if (build?.kind === 'image') return build.image;
  const flag = field === 'baseline' || field === 'candidate' ? ` (or give --image-${field})` : '';
  throw new PeakgateError(
    'PG_ERR_OPTS_INVALID',
    build === undefined
      ? `${field}: the scenario names no image for it${flag}; Kubernetes runs images`
      : `${field}: is ${describeBuildSpec(build)}; Kubernetes runs images${flag}`,
  );
}

function service(
  metadata: K8sObject['metadata'],
  selectorLabels: Record<string, string>,
  port: number,
  portName: string,
): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: 'ClusterIP',
      selector: selector(selectorLabels),
      ports: [{ name: portName, port, targetPort: port, protocol: 'TCP' }],
    },
  };
}

interface ContainerSpec {
  image: string;
  port: number;
  env: Record<string, string>;
  resources: ResourceLimits;
  ready: ReadinessCheck;
  args?: string[];
  warnings: string[];
  what: string;
  placement?: Record<string, unknown>;
}

function deployment(
  metadata: K8sObject['metadata'],
  podLabels: Record<string, string>,
  container: ContainerSpec,
): K8sObject {
  const check = probe(container.ready, container.port);
  if (check === undefined)
    container.warnings.push(
      `${container.what}: a log readiness check has no Kubernetes probe; rendered without one (use http or tcp)`,
    );
  const resources = resourceQuantities(container.resources);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: selector(podLabels) },
      // A trial starts from a fresh container: never two pods of one build at once.
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: podLabels },
        spec: {
          ...container.placement,
          containers: [
            {
              name: 'service',
              image: container.image,
              ...(container.args === undefined ? {} : { args: container.args }),
              ports: [{ containerPort: container.port, protocol: 'TCP' }],
              ...(Object.keys(container.env).length === 0
                ? {}
                : { env: Object.entries(container.env).map(([name, value]) => ({ name, value })) }),
              ...(resources === undefined ? {} : { resources }),
              ...(check === undefined
                ? {}
                : {
                    // The scenario's ready timeout bounds start-up; after that the probe tracks readiness.
                    startupProbe: {
                      ...check,
                      periodSeconds: 1,
                      failureThreshold: Math.max(1, Math.ceil(container.ready.timeoutMs / 1000)),
                    },
                    readinessProbe: { ...check, periodSeconds: 1, failureThreshold: 3 },
                  }),
            },
          ],
        },
      },
    },
  };
}

/** The pod selector: the run and the object's own instance name (roles alone would also match dependencies). */
function selector(podLabels: Record<string, string>): Record<string, string> {
  return {
    [LABEL_RUN]: podLabels[LABEL_RUN] ?? '',
    'app.kubernetes.io/instance': podLabels['app.kubernetes.io/instance'] ?? '',
  };
}

function probe(ready: ReadinessCheck, port: number): Record<string, unknown> | undefined {
  if (ready.kind === 'http') return { httpGet: { path: ready.path, port } };
  if (ready.kind === 'tcp') return { tcpSocket: { port } };
  return undefined;
}

const MIB = 1024 * 1024;

/**
 * Requests equal limits: the pod is Guaranteed QoS, so the scheduler reserves exactly what the
 * scenario gives each build and both sides of the duet get the same (docs/kubernetes.md).
 */
export function resourceQuantities(
  resources: ResourceLimits,
): { requests: Record<string, string>; limits: Record<string, string> } | undefined {
  const quantities: Record<string, string> = {};
  if (resources.cpus !== undefined)
    quantities.cpu = Number.isInteger(resources.cpus)
      ? String(resources.cpus)
      : `${Math.max(1, Math.round(resources.cpus * 1000))}m`;
  if (resources.memoryBytes !== undefined)
    quantities.memory =
      resources.memoryBytes % MIB === 0 ? `${resources.memoryBytes / MIB}Mi` : String(resources.memoryBytes);
  if (Object.keys(quantities).length === 0) return undefined;
  return { requests: { ...quantities }, limits: { ...quantities } };
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `Checkout Peak!` → `checkout-peak`: a DNS-1035 label of at most `max` characters. */
export function dnsLabel(text: string, max: number, fallback: string): string {
  let label = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, Math.max(1, max))
    .replace(/-+$/, '');
  if (label === '') label = fallback.slice(0, Math.max(1, max));
  return label;
}
