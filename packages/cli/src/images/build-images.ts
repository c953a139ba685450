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
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';
import type { Docker } from '@peakgate/runtime';
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

export interface BuildImageInput {
  context: string;
  files: readonly string[];
  dockerfile: string;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** One classic-builder build through the engine's API; its output is kept for the error only. */
export async function buildImage(docker: Docker, input: BuildImageInput): Promise<void> {
  const log: string[] = [];
  // The listed files are copied to a fresh folder that is the context: dockerode applies a
  // context's .dockerignore to the file list, Dockerfile included (the docker CLI never drops it).
  const stage = mkdtempSync(path.join(tmpdir(), 'peakgate-build-'));
  try {
    for (const file of input.files) cpSync(path.join(input.context, file), path.join(stage, file), { recursive: true });
    const stream = await docker.buildImage(
      { context: stage, src: [...input.files] },
      {
        t: input.tag,
        dockerfile: input.dockerfile,
        buildargs: input.buildArgs ?? {},
        labels: input.labels ?? {},
        rm: true,
        forcerm: true,
      },
    );
    const events = await new Promise<BuildEvent[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, output: BuildEvent[]) =>
        error ? reject(error) : resolve(output),
      ),
    );
    for (const event of events) if (event.stream !== undefined) log.push(event.stream.trimEnd());
    const failed = events.find((event) => event.error !== undefined || event.errorDetail !== undefined);
    if (failed !== undefined) throw new Error(failed.errorDetail?.message ?? failed.error ?? 'build failed');
  } catch (error) {
    const { isUnreachable, unreachableError } = await import('@peakgate/runtime');
    if (isUnreachable(error)) throw unreachableError(docker, error);
    const message = error instanceof Error ? error.message : String(error);
    throw new PeakgateError('PG_ERR_RUNTIME_IMAGE_BUILD', `docker build of ${input.tag} failed: ${message}`, {
      cause: error,
      details: log.filter((line) => line !== '').slice(-10),
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
