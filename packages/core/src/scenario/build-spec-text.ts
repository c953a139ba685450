/**
 * A build in words, the same everywhere it is named (report.json's scenario, driver messages):
 * `image shop:1.4.2`, `command "node server.js" (in ./v1)`, `deployed at http://…`.
 */
import type { BuildSpec } from './model.js';

/** The bare reference: the image, the command (with its directory), or the URL. */
export function buildReference(build: BuildSpec): string {
  if (build.kind === 'image') return build.image;
  if (build.kind === 'url') return build.url;
  return build.cwd ? `${build.command} (in ${build.cwd})` : build.command;
}

/** The reference with its kind, for messages: `image shop:1.4.2`, `command "node server.js"`. */
export function describeBuildSpec(build: BuildSpec): string {
  if (build.kind === 'image') return `image ${build.image}`;
  if (build.kind === 'url') return `a deployed build (${build.url})`;
  return `command "${build.command}"`;
}
