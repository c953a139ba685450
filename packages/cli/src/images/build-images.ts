/**
 * `peakgate images`: the offline images the demo and the sample scenarios use, built on the local
 * engine from peakgate's own files (installRoot(): a checkout or the installed npm package) with no
 * image registry and no shell script, so an `npm i -g` user gets them too. The same images as
 * `pnpm images` (docker/build-images.sh) builds in a checkout, minus peakgate's own image, which
 * is built from the release tarball there:
 * - peakgate/node-base:local, a root filesystem of the host's `node` and the libraries `ldd`
 *   lists for it (node-base.ts), skipped when its label says it is the running Node already;
 * - peakgate/balancer:{good,regressed,crashy,leaky}: docker/services/balancer (Dockerfile and
 *   the bundled dist/server.js), one tag per MODE build argument;
 * - peakgate/kv-store:local and peakgate/kv-api:{good,regressed}: docker/services/kv.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';
import type { Docker } from '@peakgate/runtime';
import { buildImage } from './engine-build.js';
import { buildNodeBase, LOCAL_BASE } from './node-base.js';

export interface SampleImage {
  tag: string;
  /** The build context, relative to the install root. */
  context: string;
  dockerfile: string;
  /** The files of the context the build needs (nothing else is sent). */
  files: readonly string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
}

const BALANCER_MODES = ['good', 'regressed', 'crashy', 'leaky'] as const;
const KV_FILES = ['Dockerfile.store', 'Dockerfile.api', 'store.cjs', 'api.cjs'] as const;

/** Every sample image, in build order. */
export function sampleImages(): SampleImage[] {
  return [
    ...BALANCER_MODES.map((mode) => ({
      tag: `peakgate/balancer:${mode}`,
      context: 'docker/services/balancer',
      dockerfile: 'Dockerfile',
      files: ['Dockerfile', 'dist/server.js'],
      buildArgs: { MODE: mode },
      labels: { 'peakgate.sample': 'balancer' },
    })),
    {
      tag: 'peakgate/kv-store:local',
      context: 'docker/services/kv',
      dockerfile: 'Dockerfile.store',
      files: KV_FILES,
      buildArgs: {},
      labels: { 'peakgate.sample': 'kv' },
    },
    ...(['good', 'regressed'] as const).map((mode) => ({
      tag: `peakgate/kv-api:${mode}`,
      context: 'docker/services/kv',
      dockerfile: 'Dockerfile.api',
      files: KV_FILES,
      buildArgs: { MODE: mode },
      labels: { 'peakgate.sample': 'kv' },
    })),
  ];
}

export interface BuildImagesOptions {
  docker: Docker;
  /** Where docker/services/… are: a checkout or the installed package. */
  root: string;
  /** A base image with node on PATH and uid 1000 (`node:20-slim`); default: build LOCAL_BASE. */
  base?: string;
  /** Rebuild LOCAL_BASE even when its label says it is current. */
  forceBase?: boolean;
  onInfo: (line: string) => void;
}

/** Builds the base (unless given) and every sample image; returns the tags built. */
export async function buildSampleImages(options: BuildImagesOptions): Promise<string[]> {
  const { docker, root, onInfo } = options;
  const images = sampleImages();
  // Before anything is built: a missing file means a broken install, not a broken engine.
  for (const image of images)
    for (const file of image.files) {
      const full = path.join(root, image.context, file);
      if (!existsSync(full))
        throw new PeakgateError(
          'PG_ERR_RUNTIME_IMAGE_BUILD',
          `${full} is missing (run pnpm build in a checkout, or reinstall peakgate)`,
        );
    }
  let base = options.base;
  if (base === undefined) {
    await buildNodeBase(docker, { force: options.forceBase === true, onInfo });
    base = LOCAL_BASE;
  } else onInfo(`using base image ${base}`);
  const built: string[] = [];
  for (const image of images) {
    onInfo(`building ${image.tag}`);
    await buildImage(docker, {
      context: path.join(root, image.context),
      files: image.files,
      dockerfile: image.dockerfile,
      tag: image.tag,
      buildArgs: { BASE_IMAGE: base, ...image.buildArgs },
      labels: image.labels,
    });
    built.push(image.tag);
  }
  return built;
}
