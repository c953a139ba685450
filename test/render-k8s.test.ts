/**
 * `peakgate render k8s` as a user runs it (the built CLI in a real process), with every rendered
 * object parsed back and validated against the published Kubernetes OpenAPI schemas
 * (kubernetes-models), plus the semantics a schema cannot see: the Indexed Job and its shard
 * wiring, labels, selectors, resources from the scenario, placement. Needs `pnpm build` first.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { LABEL_MANAGED, LABEL_ROLE, LABEL_RUN } from '../packages/runtime/dist/index.js';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'packages/cli/bin/peakgate.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function peakgate(...args: string[]): Run {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Loose on purpose: the objects are read back from YAML and checked field by field below.
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, shape asserted by the schema validation
type Obj = Record<string, any>;

/** Renders to stdout and parses the multi-document stream; fails the test unless it exits 0. */
function render(...args: string[]): Obj[] {
  const run = peakgate('render', 'k8s', ...args);
  expect(run.stderr, run.stderr).not.toMatch(/PG_ERR/);
  expect(run.code).toBe(0);
  return parseAllDocuments(run.stdout).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJSON() as Obj;
  });
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
};

/** Validates one object against its Kubernetes schema; throws (with the schema's message) if it is not. */
function validateObject(object: Obj): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (Model === undefined) throw new Error(`no schema model for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

/** What the OpenAPI schemas leave to the API server: name and label syntax. */
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function validateAll(objects: Obj[]): void {
  expect(objects.length).toBeGreaterThan(0);
  for (const object of objects) {
    expect(() => validateObject(object), `${object.kind} ${object.metadata?.name}`).not.toThrow();
    expect(object.metadata.name).toMatch(DNS_1035);
    expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    const labelSets = [object.metadata.labels, object.spec?.template?.metadata?.labels].filter(Boolean);
    for (const labels of labelSets)
      for (const [key, value] of Object.entries(labels as Record<string, string>)) {
        expect(key).toMatch(LABEL_KEY);
        expect(value).toMatch(LABEL_VALUE);
      }
  }
}

const byKind = (objects: Obj[], kind: string): Obj[] => objects.filter((object) => object.kind === kind);
const named = (objects: Obj[], kind: string, name: string): Obj => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in ${objects.map((o) => o.metadata.name).join(', ')}`);
  return found;
};

/** Every shipped scenario; one that names no builds (a --target scenario) gets images by flag. */
const SHIPPED = readdirSync(path.join(root, 'scenarios'))
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => {
    const written = parseYaml(readFileSync(path.join(root, 'scenarios', file), 'utf8')) as Obj;
    const flags = written.baseline === undefined ? ['--image-baseline', 'shop:1', '--image-candidate', 'shop:2'] : [];
    return [file, flags] as const;
  });

describe('peakgate render k8s: every object validates against the Kubernetes schemas', () => {
  it('the repository ships scenarios to render', () => {
    expect(SHIPPED.length).toBeGreaterThanOrEqual(7);
  });

  it.each(SHIPPED)('scenarios/%s renders and validates (1 and 4 shards)', (file, flags) => {
    for (const shards of ['1', '4']) validateAll(render(`scenarios/${file}`, '--shards', shards, ...flags));
  });

  it.each(['compare-short.yaml', 'remote-short.yaml'])(
    'test/fixtures/scenarios/%s renders and validates (3 shards, own images)',
    (file) => {
      const objects = render(
        `test/fixtures/scenarios/${file}`,
        '--shards',
        '3',
        '--image-baseline',
        'x:1',
        '--image-candidate',
        'x:2',
      );
      validateAll(objects);
      expect(byKind(objects, 'Job')[0]?.spec.completions).toBe(3);
    },
  );

  it('a scenario without builds renders with --image-baseline/--image-candidate', () => {
    const objects = render('scenarios/target-smoke.yaml', '--image-baseline', 'shop:1', '--image-candidate', 'shop:2');
    validateAll(objects);
    expect(named(objects, 'Deployment', 'target-smoke-baseline').spec.template.spec.containers[0].image).toBe('shop:1');
    expect(named(objects, 'Deployment', 'target-smoke-candidate').spec.template.spec.containers[0].image).toBe(
      'shop:2',
    );
  });

  it('the dependencies fixture: each build gets its own dependency Deployment + Service, wired by env', () => {
    const objects = render(
      'test/fixtures/scenarios/deps-kv.yaml',
      '--image-baseline',
      'peakgate/kv-api:a',
      '--image-candidate',
      'peakgate/kv-api:b',
      '--shards',
      '2',
      '--namespace',
      'perf',
      '--node',
      'worker-1',
    );
    validateAll(objects);
    for (const role of ['baseline', 'candidate']) {
      const dep = named(objects, 'Deployment', `deps-kv-${role}-kv`);
      const container = dep.spec.template.spec.containers[0];
      expect(container.image).toBe('peakgate/kv-store:local');
      expect(container.resources).toEqual({ requests: { memory: '64Mi' }, limits: { memory: '64Mi' } });
      // No ready check in the scenario: a TCP connect on its port, as on the docker driver.
      expect(container.readinessProbe.tcpSocket).toEqual({ port: 7000 });
      expect(dep.metadata.labels['peakgate.component']).toBe('kv');
      expect(dep.metadata.labels[LABEL_ROLE]).toBe(role);
      expect(named(objects, 'Service', `deps-kv-${role}-kv`).spec.ports[0].port).toBe(7000);
      const env = named(objects, 'Deployment', `deps-kv-${role}`).spec.template.spec.containers[0].env as Obj[];
      expect(env).toContainEqual({ name: 'PEAKGATE_DEP_KV_URL', value: `http://deps-kv-${role}-kv:7000` });
      expect(env).toContainEqual({ name: 'PEAKGATE_DEP_KV_HOST', value: `deps-kv-${role}-kv` });
      expect(env).toContainEqual({ name: 'PEAKGATE_DEP_KV_PORT', value: '7000' });
    }
    for (const object of objects) expect(object.metadata.namespace).toBe('perf');
  });
});

describe('peakgate render k8s: what the manifests mean', () => {
  let rendered: Obj[] | undefined;
  const objects = (): Obj[] => {
    rendered ??= render('scenarios/balancer-peak.yaml', '--shards', '5', '--run-id', 'run42', '--node', 'perf-node-a');
    return rendered;
  };

  it('the load is an Indexed Job of N shards whose completion index is PEAKGATE_SHARD_INDEX', () => {
    const [job] = byKind(objects(), 'Job');
    expect(job?.spec.completionMode).toBe('Indexed');
    expect(job?.spec.completions).toBe(5);
    expect(job?.spec.parallelism).toBe(5);
    expect(job?.spec.backoffLimit).toBe(0);
    // 2 s warm-up + 5 s peak (scenarios/balancer-peak.yaml), plus the start-up slack.
    expect(job?.spec.activeDeadlineSeconds).toBe(7 + 300);
    const pod = job?.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const env = pod.containers[0].env as Obj[];
    expect(env).toContainEqual({
      name: 'PEAKGATE_SHARD_INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
    });
    expect(env).toContainEqual({ name: 'PEAKGATE_SHARD_COUNT', value: '5' });
    expect(env).toContainEqual({ name: 'PEAKGATE_SCENARIO', value: '/etc/peakgate/scenario.yaml' });
    expect(env).toContainEqual({ name: 'PEAKGATE_BASELINE_URL', value: 'http://balancer-peak-baseline:8080' });
    expect(env).toContainEqual({ name: 'PEAKGATE_CANDIDATE_URL', value: 'http://balancer-peak-candidate:8080' });
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'scenario', mountPath: '/etc/peakgate', readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: 'scenario', configMap: { name: 'balancer-peak-scenario' } }]);
  });

  it('the ConfigMap carries the scenario file exactly as written', async () => {
    const [configMap] = byKind(objects(), 'ConfigMap');
    expect(configMap?.data['scenario.yaml']).toBe(
      await readFile(path.join(root, 'scenarios/balancer-peak.yaml'), 'utf8'),
    );
  });

  it('every object and pod carries the ownership labels the runtime puts on containers', () => {
    for (const object of objects()) {
      for (const labels of [object.metadata.labels, object.spec?.template?.metadata?.labels].filter(Boolean)) {
        expect(labels[LABEL_MANAGED]).toBe('true');
        expect(labels[LABEL_RUN]).toBe('run42');
        expect(['baseline', 'candidate', 'load']).toContain(labels[LABEL_ROLE]);
      }
    }
    expect([LABEL_MANAGED, LABEL_RUN, LABEL_ROLE]).toEqual(['peakgate.managed', 'peakgate.run', 'peakgate.role']);
  });

  it('builds: resources are the scenario’s (requests = limits), the probe is its ready check, both on one node', () => {
    const all = objects();
    for (const role of ['baseline', 'candidate']) {
      const deployment = named(all, 'Deployment', `balancer-peak-${role}`);
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      expect(container.image).toBe(role === 'baseline' ? 'peakgate/balancer:good' : 'peakgate/balancer:regressed');
      expect(container.resources).toEqual({
        requests: { cpu: '1', memory: '256Mi' },
        limits: { cpu: '1', memory: '256Mi' },
      });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
      expect(container.startupProbe.failureThreshold).toBe(20); // ready timeout 20s at 1 s periods
      expect(container.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
      expect(pod.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'perf-node-a' });
      // The Service selects exactly this Deployment's pods.
      const service = named(all, 'Service', `balancer-peak-${role}`);
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      for (const [key, value] of Object.entries(service.spec.selector))
        expect(deployment.spec.template.metadata.labels[key]).toBe(value);
    }
    const candidate = named(all, 'Deployment', 'balancer-peak-candidate').spec.template.spec;
    expect(candidate.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      {
        labelSelector: {
          matchLabels: { [LABEL_RUN]: 'run42', 'app.kubernetes.io/instance': 'balancer-peak-baseline' },
        },
        topologyKey: 'kubernetes.io/hostname',
      },
    ]);
  });

  it('fractional CPUs become millicores, sizes that are not whole MiB stay in bytes, a log check has no probe', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'peakgate-render-'));
    try {
      const file = path.join(dir, 'odd.yaml');
      await writeFile(
        file,
        [
          'name: Odd_Name.With.Dots',
          'service:',
          '  ready: { log: "listening", timeout: 5s }',
          '  resources: { cpus: 0.25, memory: 100000k }',
          '  command: [node, server.js, --fast]',
          'baseline: { image: a:1 }',
          'candidate: { image: a:2 }',
          'load: { phases: [{ name: p, duration: 1s, rate: 10 }], requests: [{ path: / }] }',
          '',
        ].join('\n'),
      );
      const run = peakgate('render', 'k8s', file);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/warning: the baseline: a log readiness check has no Kubernetes probe/);
      const all = parseAllDocuments(run.stdout).map((doc) => doc.toJSON() as Obj);
      validateAll(all);
      const container = named(all, 'Deployment', 'odd-name-with-dots-baseline').spec.template.spec.containers[0];
      expect(container.resources.limits).toEqual({ cpu: '250m', memory: String(100000 * 1024) });
      expect(container.readinessProbe).toBeUndefined();
      expect(container.args).toEqual(['node', 'server.js', '--fast']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('peakgate render k8s --out: one file per object, in apply order', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-render-out-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes numbered files whose contents equal the stdout stream, and refuses a folder with other manifests', async () => {
    const out = path.join(dir, 'k8s');
    const run = peakgate('render', 'k8s', 'scenarios/balancer-peak.yaml', '--out', out, '--run-id', 'r1');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^6 objects in .*k8s: kubectl apply -f/);
    const files = (await readdir(out)).sort();
    expect(files).toEqual([
      '00-configmap-balancer-peak-scenario.yaml',
      '01-service-balancer-peak-baseline.yaml',
      '02-deployment-balancer-peak-baseline.yaml',
      '03-service-balancer-peak-candidate.yaml',
      '04-deployment-balancer-peak-candidate.yaml',
      '05-job-balancer-peak-load.yaml',
    ]);
    const fromFiles = await Promise.all(files.map(async (f) => parseYaml(await readFile(path.join(out, f), 'utf8'))));
    validateAll(fromFiles);
    expect(fromFiles).toEqual(render('scenarios/balancer-peak.yaml', '--run-id', 'r1'));
    // Rendering again into the same folder rewrites the same files.
    expect(peakgate('render', 'k8s', 'scenarios/balancer-peak.yaml', '--out', out, '--run-id', 'r1').code).toBe(0);
    await writeFile(path.join(out, 'other.yaml'), 'kind: Secret\n');
    const refused = peakgate('render', 'k8s', 'scenarios/balancer-peak.yaml', '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already holds other manifests \(other\.yaml\).*\[PG_ERR_OUTPUT_DIR\]/);
  });
});

describe('peakgate render: bad input is a usage error (exit 2) that names what is wrong', () => {
  it('an unknown target', () => {
    const run = peakgate('render', 'helm', 'scenarios/balancer-peak.yaml');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown target "helm" \(expected: k8s\) \[PG_ERR_OPTS_INVALID\]/);
  });

  it('an invalid scenario names the field (the loader’s errors)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'peakgate-render-bad-'));
    try {
      const file = path.join(dir, 'bad.yaml');
      await writeFile(file, 'name: bad\nservice: { port: lots }\nload: { phases: [], requests: [] }\n');
      const run = peakgate('render', 'k8s', file);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/service\.port/);
      expect(run.stderr).toMatch(/PG_ERR_SCENARIO_INVALID/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('two dependency names that become one Kubernetes name (cut to fit 63 characters)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'peakgate-render-dup-'));
    try {
      const file = path.join(dir, 'dup.yaml');
      await writeFile(
        file,
        [
          'name: a-scenario-name-of-thirty-characters',
          'service:',
          '  dependencies:',
          '    cache-for-the-session-store-a: { image: "kv:1", port: 7000 }',
          '    cache-for-the-session-store-b: { image: "kv:1", port: 7001 }',
          'baseline: { image: a:1 }',
          'candidate: { image: a:2 }',
          'load: { phases: [{ name: p, duration: 1s, rate: 10 }], requests: [{ path: / }] }',
          '',
        ].join('\n'),
      );
      const run = peakgate('render', 'k8s', file);
      expect(run.stderr).toMatch(
        /service\.dependencies: two names become the same Kubernetes name a-scenario-name-of-thirt-baseline-cache-for-the-session-store/,
      );
      expect(run.code).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['scenarios/target-smoke.yaml'], /baseline: the scenario names no image for it \(or give --image-baseline\)/],
    [['scenarios/balancer-peak.yaml', '--shards', '0'], /--shards must be a whole number from 1 to 1000/],
    [['scenarios/balancer-peak.yaml', '--shards', 'two'], /--shards: expected a whole number, got "two"/],
    [
      ['scenarios/balancer-peak.yaml', '--run-id', 'Not_A_Label'],
      /--run-id "Not_A_Label" is not a Kubernetes label value/,
    ],
    [['scenarios/balancer-peak.yaml', '-n', 'Perf'], /--namespace "Perf" is not a Kubernetes namespace name/],
  ])('%j', (args, message) => {
    const run = peakgate('render', 'k8s', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/\[PG_ERR_OPTS_INVALID\]/);
  });
});

describe('the schema validation is real', () => {
  it('a rendered object broken on purpose fails validate(), naming the field', () => {
    const all = render('scenarios/balancer-peak.yaml');
    const [deployment] = byKind(all, 'Deployment');
    expect(() => validateObject(deployment as Obj)).not.toThrow();
    const broken = structuredClone(deployment as Obj);
    broken.spec.template.spec.containers[0].resources.limits.cpu = 'lots';
    expect(() => validateObject(broken)).toThrow(/containers\/0\/resources\/limits\/cpu/);
    const [job] = byKind(all, 'Job');
    const badJob = structuredClone(job as Obj);
    badJob.spec.completions = 'three';
    expect(() => validateObject(badJob)).toThrow(/spec\/completions must be integer/);
    const noName = structuredClone(deployment as Obj);
    delete noName.spec.template.spec.containers[0].name;
    expect(() => validateObject(noName)).toThrow(/containers\/0 must have required property name/);
  });
});
