/**
 * The README's demo example and its picture come from one run (issue 27): scripts/readme-example.mjs
 * writes the run id into the README block's start marker and into docs/report-demo.json, with the
 * SHA-256 of the block and of docs/report-demo.png. Editing one of them by hand, or regenerating
 * one without the others, fails here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './cli-support.js';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

interface Sidecar {
  runId: string;
  verdict: string;
  rounds: number;
  lookConfidence: number;
  cpuPerRequestChange: number | null;
  readmeBlockSha256: string;
  pngSha256: string;
}

describe('the README example and docs/report-demo.png', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const sidecar = JSON.parse(readFileSync(path.join(root, 'docs', 'report-demo.json'), 'utf8')) as Sidecar;
  const start = readme.match(/<!-- readme-example:start run=([0-9a-zA-Z-]+) -->\n/);
  const end = readme.indexOf('<!-- readme-example:end -->');
  const block = start?.index === undefined ? '' : readme.slice(start.index + start[0].length, end);

  it('has one example block between its markers', () => {
    expect(start, 'README.md has no readme-example start marker').not.toBeNull();
    expect(end).toBeGreaterThan(start?.index ?? Number.POSITIVE_INFINITY);
    expect(block).toMatch(/^```text\npeakgate demo: [\s\S]*\n```\n$/);
  });

  it('come from the same run: the marker, the block, the sidecar and the picture agree', () => {
    expect(start?.[1]).toBe(sidecar.runId);
    expect(block).toContain(`(run ${sidecar.runId})`);
    expect(sha256(block)).toBe(sidecar.readmeBlockSha256);
    expect(sha256(readFileSync(path.join(root, 'docs', 'report-demo.png')))).toBe(sidecar.pngSha256);
  });

  it("the block's verdict and figures are the run's (report.json as the sidecar recorded it)", () => {
    expect(sidecar.verdict).toBe('fail');
    expect(block).toContain('FAIL: the candidate is not safe to release');
    const level = `${Math.round(sidecar.lookConfidence * 1000) / 10}%`;
    expect(block).toContain(`CI ${level}`);
    if (sidecar.cpuPerRequestChange !== null) {
      const change = `+${((sidecar.cpuPerRequestChange - 1) * 100).toFixed(1)}%`;
      expect(block).toMatch(new RegExp(`CPU per request[^\\n]*\\${change}`));
    }
  });
});
