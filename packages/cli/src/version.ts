/** peakgate's version: the one in this package's package.json, read once at start. */
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const peakgateVersion: string = manifest.version;
