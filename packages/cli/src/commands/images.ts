/**
 * `peakgate images [--base IMAGE] [--force-base]`: builds the sample images `peakgate demo` and the
 * sample scenarios use on the local Docker engine, offline, from peakgate's own files (a checkout
 * or the installed npm package): the base from the host's Node unless --base names one, then the
 * sample balancer's four builds and the dependency samples (images/build-images.ts).
 */
import type { Command } from 'commander';
import { installRoot } from '../install-root.js';
import type { PeakgateCommand } from './command.js';

interface ImagesFlags {
  base?: string;
  forceBase?: boolean;
}

export const imagesCommand: PeakgateCommand<ImagesFlags> = {
  define: (program: Command) =>
    program
      .command('images')
      .description(
        "build the demo's sample images on the local Docker engine, offline, from peakgate's own files (base: the host's node)",
      )
      .option(
        '--base <image>',
        'a base image with node on PATH and a uid 1000, e.g. node:20-slim (default: build peakgate/node-base:local from the host node)',
      )
      .option('--force-base', 'rebuild peakgate/node-base:local even when it is current'),
  async run({ flags, output }) {
    // Loaded lazily: dockerode is not needed by validate and friends.
    const { assertDockerReachable, createDocker } = await import('@peakgate/runtime');
    const { buildSampleImages } = await import('../images/build-images.js');
    const docker = createDocker();
    await assertDockerReachable(docker);
    const built = await buildSampleImages({
      docker,
      root: installRoot(),
      ...(flags.base !== undefined ? { base: flags.base } : {}),
      forceBase: flags.forceBase === true,
      onInfo: (line) => output.info(`images: ${line}`),
    });
    output.result(`built ${built.join(' ')}\n`);
    return 'done';
  },
};
