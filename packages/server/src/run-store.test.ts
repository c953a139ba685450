/**
 * The run store's state file: two stores on one data folder in one process (a server started
 * again before the old one has gone, as create-server.test.ts's restart does) writing at the same
 * time. Each serialises only its own writes, so they must not share a temporary file.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunRecord, RunStore } from './run-store.js';

let dataDir: string | undefined;
afterEach(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const record = (id: string): RunRecord =>
  ({
    id,
    status: 'queued',
    scenario: 'api-test',
    job: {},
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    progress: {},
    verdict: null,
    reasons: [],
    error: null,
    reports: [],
  }) as unknown as RunRecord;

describe('run store', () => {
  it('two stores on one folder write at the same time without losing a write or leaving a temporary', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'peakgate-run-store-'));
    const [first, second] = await Promise.all([RunStore.open(dataDir), RunStore.open(dataDir)]);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      writes.push(first.put(record(RunStore.newId())));
      writes.push(second.put(record(RunStore.newId())));
    }
    // With one temporary name per process, some of these failed: ENOENT on rename.
    await expect(Promise.all(writes)).resolves.toBeDefined();
    const state = JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as { runs: RunRecord[] };
    // The last write on disk is one store's whole state: its 40 runs.
    expect(state.runs).toHaveLength(40);
    expect((await readdir(dataDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
