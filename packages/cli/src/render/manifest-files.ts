/**
 * Rendered objects → YAML, the two ways kubectl takes it: one multi-document stream (stdout, for
 * `| kubectl apply -f -`, like `helm template`) or one file per object in a folder (for
 * `kubectl apply -f DIR`, which applies a folder's files in name order: the numbered names keep
 * the ConfigMap and Services ahead of the Deployments and the Job).
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';
import { stringify } from 'yaml';
import type { K8sObject } from './k8s-manifests.js';

/** No line folding and no anchors: what is written is what kubectl reads, key for key. */
const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

export function manifestYaml(object: K8sObject): string {
  return stringify(object, YAML_OPTIONS);
}

/** Every object as one stream of YAML documents separated by `---`. */
export function manifestStream(objects: readonly K8sObject[]): string {
  return objects.map((object) => `---\n${manifestYaml(object)}`).join('');
}

/** `03-deployment-balancer-peak-baseline.yaml`: position first, so name order is apply order. */
export function manifestFileName(index: number, object: K8sObject): string {
  return `${String(index).padStart(2, '0')}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

/**
 * Writes one file per object into `dir` (created if missing) and returns their paths. A folder
 * holding other manifests is refused: `kubectl apply -f DIR` would apply those too (a stale render
 * with other names, or someone else's files).
 */
export async function writeManifestFiles(dir: string, objects: readonly K8sObject[]): Promise<string[]> {
  const names = objects.map((object, index) => manifestFileName(index, object));
  // Never into a folder reached through a link, never through a link inside it (issue 23).
  const [{ assertNoLinkOnPath }, { replaceFile }] = await Promise.all([
    import('@peakgate/controller'),
    import('@peakgate/runtime'),
  ]);
  await assertNoLinkOnPath(dir);
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw new PeakgateError('PG_ERR_OUTPUT_DIR', `--out ${dir}: cannot create the folder`, { cause: error });
  });
  const ours = new Set(names);
  const present = await readdir(dir).catch((error: unknown) => {
    throw new PeakgateError('PG_ERR_OUTPUT_DIR', `--out ${dir}: not a folder that can be read`, { cause: error });
  });
  const foreign = present.filter((name) => /\.(ya?ml|json)$/i.test(name) && !ours.has(name));
  if (foreign.length > 0)
    throw new PeakgateError(
      'PG_ERR_OUTPUT_DIR',
      `--out ${dir} already holds other manifests (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); kubectl apply -f would apply them too: use an empty folder`,
    );
  const written: string[] = [];
  for (const [index, object] of objects.entries()) {
    const file = path.join(dir, names[index] ?? manifestFileName(index, object));
    await replaceFile(file, manifestYaml(object)).catch((error: unknown) => {
      throw new PeakgateError('PG_ERR_OUTPUT_DIR', `--out ${dir}: cannot write ${path.basename(file)}`, {
        cause: error,
      });
    });
    written.push(file);
  }
  return written;
}
