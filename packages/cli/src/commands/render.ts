/**
 * `peakgate render k8s <scenario> [--out DIR] [--shards N] [--image-baseline IMG]
 * [--image-candidate IMG] [--image-load IMG] [-n NS] [--node NAME] [--run-id ID]`: writes the
 * Kubernetes manifests that run the scenario on a cluster (builds as Deployments + Services, the
 * load as an Indexed Job of N shards). Without --out, one multi-document YAML stream on stdout,
 * like `helm template`; with it, one file per object. Starts nothing: a design on paper, checked
 * against the Kubernetes schemas by the tests (docs/kubernetes.md).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadScenarioFile, PeakgateError, peakgateVersion, type Role } from '@peakgate/core';
import type { Command } from 'commander';
import type { PeakgateCommand } from './command.js';

interface RenderFlags {
  out?: string;
  shards?: string;
  imageBaseline?: string;
  imageCandidate?: string;
  imageLoad?: string;
  namespace?: string;
  node?: string;
  runId?: string;
}

/** What `render` can write; one today. */
const TARGETS = ['k8s'] as const;

export const renderCommand: PeakgateCommand<RenderFlags> = {
  define: (program: Command) =>
    program
      .command('render')
      .description('write the manifests that run a scenario elsewhere (k8s: Deployments, Services, an Indexed Job)')
      .argument('<target>', `what to render: ${TARGETS.join(', ')}`)
      .argument('<scenario>', 'scenario file')
      .option('--out <dir>', 'write one YAML file per object here (default: one multi-document stream on stdout)')
      .option('--shards <n>', 'load shards: the Job runs N pods, pod i sends arrivals k with k mod N = i', '1')
      .option('--image-baseline <image>', "the baseline's image (default: the scenario's baseline.image)")
      .option('--image-candidate <image>', "the candidate's image (default: the scenario's candidate.image)")
      .option('--image-load <image>', 'the image each load shard runs', `peakgate/peakgate:${peakgateVersion}`)
      .option('-n, --namespace <ns>', "set metadata.namespace on every object (default: kubectl's current namespace)")
      .option('--node <name>', 'pin both builds to this node (nodeSelector kubernetes.io/hostname)')
      .option('--run-id <id>', 'the peakgate.run label on every object (default: a new random id)'),
  async run({ args: [target = '', file = ''], flags, output }) {
    if (!(TARGETS as readonly string[]).includes(target))
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `render: unknown target "${target}" (expected: ${TARGETS.join(', ')})`,
      );
    const shardsText = flags.shards ?? '1';
    // Range checked by the renderer (1..MAX_LOAD_SHARDS); here only that it is a whole number at all.
    if (!/^\d+$/.test(shardsText))
      throw new PeakgateError('PG_ERR_OPTS_INVALID', `--shards: expected a whole number, got "${shardsText}"`);
    const shards = Number(shardsText);
    const scenario = await loadScenarioFile(file);
    // The loader has read and checked it; the shards get the file as written, to load it the same way.
    const scenarioText = await readFile(file, 'utf8');
    const images: Partial<Record<Role, string>> = {
      ...(flags.imageBaseline === undefined ? {} : { baseline: flags.imageBaseline }),
      ...(flags.imageCandidate === undefined ? {} : { candidate: flags.imageCandidate }),
    };
    // Loaded lazily: the label names come from the runtime, which loads dockerode.
    const { renderK8sManifests } = await import('../render/k8s-manifests.js');
    const { manifestStream, writeManifestFiles } = await import('../render/manifest-files.js');
    const { objects, warnings } = renderK8sManifests(scenario, {
      runId: flags.runId ?? randomUUID().slice(0, 8),
      shards,
      images,
      loadImage: flags.imageLoad ?? `peakgate/peakgate:${peakgateVersion}`,
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ...(flags.node === undefined ? {} : { node: flags.node }),
      scenarioText,
      scenarioFileName: /\.json$/i.test(file) ? 'scenario.json' : 'scenario.yaml',
    });
    for (const warning of warnings) output.info(`peakgate: warning: ${warning}`);
    if (flags.out === undefined) {
      output.result(manifestStream(objects));
      return 'done';
    }
    const written = await writeManifestFiles(flags.out, objects);
    for (const manifest of written) output.info(`wrote ${manifest}`);
    const dir = path.normalize(flags.out);
    output.result(
      `${written.length} objects in ${dir}: kubectl apply -f ${dir} (remove them: kubectl delete -f ${dir})`,
    );
    return 'done';
  },
};
