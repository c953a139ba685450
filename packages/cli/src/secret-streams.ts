/**
 * Masks handed-in values (`--env NAME`, core's maskSecrets) in everything the process writes to
 * stdout and stderr: result lines, notes, errors, commander's messages and the live progress bars,
 * which write to the streams directly. Each write is masked whole; peakgate writes whole lines
 * (progress bars whole redraws), so a value is never split across two writes of ours.
 *
 * Installed once, only when a value was handed in, so a run without `--env` writes exactly as before.
 */
import { hasSecretValues, maskSecrets } from '@peakgate/core';

let installed = false;

type Write = typeof process.stdout.write;

function masking(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return original(maskSecrets(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      const encoding = typeof rest[0] === 'string' ? rest.slice(1) : rest;
      return original(maskSecrets(Buffer.from(chunk).toString('utf8')), ...encoding);
    }
    return original(chunk, ...rest);
  };
  stream.write = write as Write;
}

export function maskProcessStreams(): void {
  if (installed || !hasSecretValues()) return;
  installed = true;
  masking(process.stdout);
  masking(process.stderr);
}
