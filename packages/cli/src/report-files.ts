/**
 * Writes a set of report files so that a reader never sees a half-written one: every file is
 * written to a temporary name in the same directory first, and only when all are written are
 * they renamed into place (rename is atomic within a filesystem). On failure the temporaries are
 * removed and nothing of the new set appears; the failure is PG_ERR_OUTPUT_DIR (a disk that filled
 * during the run, say), never a stack trace.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { maskSecrets } from '@peakgate/core';

export async function writeReportFiles(dir: string, files: Record<string, string>): Promise<string[]> {
  // Made one component at a time (Node's recursive mkdir spins forever under /proc) and checked writable.
  const [{ prepareOutputDirectory, reportWriteError }, { writeExclusive }] = await Promise.all([
    import('@peakgate/controller'),
    import('@peakgate/runtime'),
  ]);
  await prepareOutputDirectory(dir);
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const staged: Array<{ temp: string; final: string }> = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const final = join(dir, name);
      const temp = `${final}${suffix}`;
      // Values handed in with --env never reach a report file (a service may echo one into a reason).
      // Created fresh (O_EXCL|O_NOFOLLOW): a name planted in the folder is never written through, and
      // the rename replaces a link at the final name instead of following it (issue 23).
      // JSON files are masked field by field where they are made (maskSecretsDeep, which leaves
      // encoded histograms whole); masking their text here could cut into a histogram's base64.
      await writeExclusive(temp, name.endsWith('.json') ? content : maskSecrets(content));
      staged.push({ temp, final });
    }
    for (const { temp, final } of staged) await rename(temp, final);
  } catch (error) {
    // Including the temporary being written when the write failed.
    await Promise.all(
      [...staged.map(({ temp }) => temp), ...Object.keys(files).map((name) => `${join(dir, name)}${suffix}`)].map(
        (temp) => rm(temp, { force: true }),
      ),
    );
    throw reportWriteError(dir, error);
  }
  return staged.map(({ final }) => final);
}
