/**
 * uPlot's code and stylesheet, read from the installed package when a report is rendered and
 * inlined into report.html, so the page needs no network and nothing is vendored into git.
 * Read once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface UplotAssets {
  script: string;
  css: string;
}

let cached: UplotAssets | undefined;

export function uplotAssets(): UplotAssets {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const read = (file: string): string => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
    cached = { script: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
  }
  return cached;
}
