import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertOwnFiles, REPLAY_SCENARIO_SIGNATURE, REPLAY_TIMELINE_SIGNATURE } from './own-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-own-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const scenario = (file: string) => ({ file, signature: REPLAY_SCENARIO_SIGNATURE, what: 'scenario' });

describe('assertOwnFiles', () => {
  it('passes a missing file and one whose first line is replay’s own header', async () => {
    await assertOwnFiles([scenario(path.join(dir, 'new.yaml'))], false);
    const own = path.join(dir, 'own.yaml');
    await writeFile(own, '# Imported by peakgate 0.1.0 replay from "access.log" (combined).\nname: x\n');
    await assertOwnFiles([scenario(own)], false);
    const timeline = path.join(dir, 'own.timeline');
    await writeFile(timeline, '# peakgate timeline: <offset ms> <request index> per line, from "a"\n0 0\n');
    await assertOwnFiles([{ file: timeline, signature: REPLAY_TIMELINE_SIGNATURE, what: 'timeline' }], false);
  });

  it('refuses a file peakgate did not write unless forced', async () => {
    const mine = path.join(dir, 'mine.yaml');
    await writeFile(mine, 'name: hand-written\n# Imported by peakgate 0.1.0 replay from "x"\n');
    await expect(assertOwnFiles([scenario(mine)], false)).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_FOREIGN',
      message: expect.stringContaining(mine),
    });
    await assertOwnFiles([scenario(mine)], true);
  });

  it('refuses a link at the name, or a folder, even when forced', async () => {
    const target = path.join(dir, 'victim');
    await writeFile(target, '# Imported by peakgate 0.1.0 replay from "forged"\n');
    const link = path.join(dir, 'link.yaml');
    await symlink(target, link);
    await expect(assertOwnFiles([scenario(link)], true)).rejects.toMatchObject({ code: 'PG_ERR_OUTPUT_UNSAFE' });
    await mkdir(path.join(dir, 'folder.yaml'));
    await expect(assertOwnFiles([scenario(path.join(dir, 'folder.yaml'))], true)).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_UNSAFE',
    });
  });
});
