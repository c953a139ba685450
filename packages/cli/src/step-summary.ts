/**
 * GitHub Actions' job summary: when GITHUB_STEP_SUMMARY names a file, summary.md is appended to
 * it, so the verdict and the metrics table show on the run's page without opening an artifact.
 * Appended (never overwritten): other steps of the job write there too. A failure to write is a
 * note, never a changed verdict.
 */
import { appendFile } from 'node:fs/promises';
import { maskSecrets } from '@peakgate/core';
import type { Output } from './output.js';

export async function appendStepSummary(
  markdown: string,
  output: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === '') return;
  try {
    // Values handed in with --env are masked here too: the page is public to everyone who sees the run.
    const masked = maskSecrets(markdown);
    await appendFile(file, masked.endsWith('\n') ? `${masked}\n` : `${masked}\n\n`, 'utf8');
  } catch (error) {
    output.info(`peakgate: could not append the summary to GITHUB_STEP_SUMMARY (${file}): ${String(error)}`);
  }
}
