/**
 * peakgate's version: the workspace's packages move in lockstep, so core's package.json speaks for
 * all of them (the CLI's --version, report.json's environment, the HTTP API). Read once at start.
 */
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const peakgateVersion: string = manifest.version;
