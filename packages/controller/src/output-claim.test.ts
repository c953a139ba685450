import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { currentOwner } from '@peakgate/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertNoLinkOnPath, claimOutputDirectory, OUTPUT_MARKER } from './output-claim.js';
import { OUTPUT_LOCK } from './output-lock.js';

// The folder stands for a pull request's checkout (the current folder of a CI job): the claim is
// made with cwd set to it, as `peakgate compare --out peakgate-out` is in CI.
let checkout: string;
let victim: string;
beforeEach(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'peakgate-claim-'));
  checkout = path.join(root, 'checkout');
  await mkdir(checkout);
  victim = path.join(root, 'victim');
  await mkdir(victim);
});
afterEach(async () => {
  await rm(path.dirname(checkout), { recursive: true, force: true });
});

const claim = (dir: string, force = false) => claimOutputDirectory(dir, { cwd: checkout, force });
const out = (...parts: string[]) => path.join(checkout, 'peakgate-out', ...parts);

/** A pid that ran and has ended (and was waited for): what a crashed run leaves in its lock. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('claimOutputDirectory', () => {
  it('makes a missing folder, marks it, and locks it until released', async () => {
    const held = await claim('peakgate-out');
    expect(held.dir).toBe(out());
    expect((await readdir(out())).sort()).toEqual([OUTPUT_LOCK, OUTPUT_MARKER]);
    const lock = JSON.parse(await readFile(out(OUTPUT_LOCK), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(process.pid);
    await held.release();
    expect(await readdir(out())).toEqual([OUTPUT_MARKER]);
  });

  it("an empty folder is used; a folder of someone else's files is refused unless --force", async () => {
    await mkdir(out());
    await (await claim('peakgate-out')).release();
    await rm(out(OUTPUT_MARKER));
    await writeFile(out('notes.txt'), 'mine\n');
    await expect(claim('peakgate-out')).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_FOREIGN',
      message: expect.stringContaining('notes.txt'),
    });
    // Refused before any write, and the lock let go.
    expect(await readdir(out())).toEqual(['notes.txt']);
    await (await claim('peakgate-out', true)).release();
    expect((await readdir(out())).sort()).toEqual([OUTPUT_MARKER, 'notes.txt']);
    expect(await readFile(out('notes.txt'), 'utf8')).toBe('mine\n');
  });

  it("a rerun into an earlier run's folder (marker present) is used", async () => {
    await (await claim('peakgate-out')).release();
    await writeFile(out('report.json'), '{}\n');
    await writeFile(out('candidate-1.log'), 'old\n');
    await (await claim('peakgate-out')).release();
  });

  it('refuses --out that is a link, or a link on the way to it inside the checkout, even with --force', async () => {
    await symlink(victim, out());
    await expect(claim('peakgate-out', true)).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_UNSAFE',
      message: expect.stringContaining('is a symbolic link'),
    });
    await symlink(victim, path.join(checkout, 'reports'));
    await expect(claim('reports/peakgate', true)).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_UNSAFE',
      message: expect.stringContaining(`reached through the symbolic link ${path.join(checkout, 'reports')}`),
    });
    await symlink(victim, path.join(checkout, '.peakgate'));
    await expect(claim('.peakgate/runs/2026-12-07T10-00-00-000Z')).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_UNSAFE',
    });
    expect(await readdir(victim)).toEqual([]);
  });

  it('refuses a link inside the folder even with a (forged) marker and --force', async () => {
    await mkdir(out());
    await writeFile(out(OUTPUT_MARKER), 'forged\n');
    await symlink(path.join(victim, 'bashrc'), out('candidate-1.log'));
    await expect(claim('peakgate-out', true)).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_UNSAFE',
      message: expect.stringContaining('candidate-1.log'),
    });
    expect(await readdir(victim)).toEqual([]);
    await expect(lstat(out(OUTPUT_LOCK))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('one run at a time: a live holder is refused by pid, a dead one taken over', async () => {
    const first = await claim('peakgate-out');
    await expect(claim('peakgate-out')).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_LOCKED',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    await first.release();

    // A crashed run's lock: its process is gone.
    const { host, pidNamespace } = currentOwner();
    const stale = { pid: deadPid(), host, pidNamespace, token: 'stale', startedAt: 'then' };
    await writeFile(out(OUTPUT_LOCK), JSON.stringify(stale));
    const taken = await claim('peakgate-out');
    expect(JSON.parse(await readFile(out(OUTPUT_LOCK), 'utf8'))).toMatchObject({ pid: process.pid });
    await taken.release();

    // Garbage where the lock should be (not a lock peakgate wrote): no live holder.
    await writeFile(out(OUTPUT_LOCK), 'not json');
    await (await claim('peakgate-out')).release();
    expect(await readdir(out())).toEqual([OUTPUT_MARKER]);
  });

  it('a lock that is a link is refused, not read through or removed', async () => {
    await mkdir(out());
    await symlink(path.join(victim, 'lock'), out(OUTPUT_LOCK));
    await expect(claim('peakgate-out')).rejects.toMatchObject({ code: 'PG_ERR_OUTPUT_UNSAFE' });
    expect((await lstat(out(OUTPUT_LOCK))).isSymbolicLink()).toBe(true);
    expect(await readdir(victim)).toEqual([]);
  });

  it('a holder on another host counts as live: its pid cannot be judged from here', async () => {
    await mkdir(out());
    await writeFile(
      out(OUTPUT_LOCK),
      JSON.stringify({ pid: deadPid(), host: 'elsewhere', token: 't', startedAt: 'x' }),
    );
    await expect(claim('peakgate-out')).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_LOCKED',
      message: expect.stringContaining('on elsewhere'),
    });
  });
});

describe('assertNoLinkOnPath', () => {
  it('judges only the part below the current folder, and --out itself', async () => {
    const link = path.join(path.dirname(checkout), 'linked-root');
    await symlink(checkout, link);
    // A link above the current folder is the machine's own (/tmp on macOS): allowed.
    await expect(assertNoLinkOnPath(path.join(link, 'peakgate-out'), link)).resolves.toBeUndefined();
    // Outside the current folder only --out itself is judged.
    await expect(assertNoLinkOnPath(path.join(link, 'peakgate-out'), victim)).resolves.toBeUndefined();
    await expect(assertNoLinkOnPath(link, victim)).rejects.toMatchObject({ code: 'PG_ERR_OUTPUT_UNSAFE' });
    // Below it, every component is.
    await expect(assertNoLinkOnPath('linked-root/peakgate-out', path.dirname(checkout))).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_UNSAFE',
    });
  });
});
