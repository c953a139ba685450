/**
 * One classic-builder image build through the engine's API, from a listed set of files. Its own
 * module because both the sample images (build-images.ts) and the node base (node-base.ts) build
 * with it, and node-base.ts is in turn used by build-images.ts: kept here, no import runs in a circle.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';
import type { Docker } from '@peakgate/runtime';

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
