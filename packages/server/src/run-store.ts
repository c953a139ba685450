/**
 * The server's state on disk: every run's record in one JSON file in the data directory,
 * replaced atomically (write a temporary file, fsync, rename) after each change, so a crash or
 * restart never leaves a half-written queue. Each run's files live in `runs/<id>/`, and ids are
 * only ever ones this store generated (32 hex digits), never a path taken from a request.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type DriverName, maskSecretsDeep, PeakgateError } from '@peakgate/core';
import type { RunProgress, RunStatus } from './schemas.js';

export const RUN_ID_PATTERN = /^[0-9a-f]{32}$/;

/** What a queued run needs to start after a restart: the scenario text as it was submitted. */
export interface StoredJob {
  kind: 'compare' | 'run';
  /** The HTTP API runs the docker and process drivers only (not swarm: docs/runtimes.md). */
  driver: Exclude<DriverName, 'swarm'>;
  scenarioText: string;
  /** Shown in messages and reports (the scenario file name or "inline"). */
  scenarioSource: string;
  baseline?: string;
  candidate?: string;
  service?: string;
  rounds?: number;
  /** kind compare: the run's seed (`seed` in the request body), to replay a run's requests. */
  seed?: number;
}

export interface RunRecord {
  id: string;
  status: RunStatus;
  scenario: string;
  job: StoredJob;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: RunProgress;
  verdict: 'pass' | 'fail' | null;
  reasons: string[];
  error: { code: string; message: string } | null;
  reports: string[];
}

interface StateFile {
  version: 1;
  runs: RunRecord[];
}

export class RunStore {
  private readonly file: string;
  private readonly runsDir: string;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly dataDir: string,
    private readonly runs: Map<string, RunRecord>,
  ) {
    this.file = path.join(dataDir, 'state.json');
    this.runsDir = path.join(dataDir, 'runs');
  }

  /** Opens (or creates) the store in `dataDir`. */
  static async open(dataDir: string): Promise<RunStore> {
    const absolute = path.resolve(dataDir);
    try {
      await mkdir(path.join(absolute, 'runs'), { recursive: true });
    } catch (error) {
      throw new PeakgateError('PG_ERR_SERVER_DATA', `cannot create the data directory ${absolute}`, { cause: error });
    }
    let state: StateFile = { version: 1, runs: [] };
    try {
      state = JSON.parse(await readFile(path.join(absolute, 'state.json'), 'utf8')) as StateFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new PeakgateError('PG_ERR_SERVER_DATA', `cannot read ${path.join(absolute, 'state.json')}`, {
          cause: error,
        });
      }
    }
    const runs = new Map<string, RunRecord>();
    for (const run of state.runs ?? []) if (RUN_ID_PATTERN.test(run.id)) runs.set(run.id, run);
    return new RunStore(absolute, runs);
  }

  static newId(): string {
    return randomBytes(16).toString('hex');
  }

  /** All runs, oldest first. */
  list(): RunRecord[] {
    return [...this.runs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The run with this id; undefined for anything that is not an id this store made. */
  get(id: string): RunRecord | undefined {
    return RUN_ID_PATTERN.test(id) ? this.runs.get(id) : undefined;
  }

  /** The folder of a stored run (its id is checked again: no path ever comes from a request). */
  runDir(run: RunRecord): string {
    if (!RUN_ID_PATTERN.test(run.id)) throw new PeakgateError('PG_ERR_INTERNAL', `bad run id ${run.id}`);
    return path.join(this.runsDir, run.id);
  }

  async put(run: RunRecord): Promise<void> {
    this.runs.set(run.id, run);
    await this.save();
  }

  /** Writes the whole state; writes are serialised so the last change always wins on disk. */
  save(): Promise<void> {
    const next = this.writing.then(() => this.writeNow());
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async writeNow(): Promise<void> {
    // Reasons and errors may quote a service's output: values handed in with --env are masked.
    const state: StateFile = { version: 1, runs: maskSecretsDeep(this.list()) };
    // A name of its own for every write: two stores on one data folder in one process (a server
    // started again before the old one is gone) each serialise only their own writes, and with one
    // name per process the second rename found the first had already moved the file (ENOENT).
    // Random, so nothing can be planted at it beforehand either (issue 23).
    const temporary = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      // Created fresh (O_EXCL), never through a link (O_NOFOLLOW).
      const handle = await open(
        temporary,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.file);
    } catch (error) {
      // Not left behind for the next write to trip over: each write names its own.
      await unlink(temporary).catch(() => {});
      throw new PeakgateError('PG_ERR_SERVER_DATA', `cannot write ${this.file}`, { cause: error });
    }
  }
}
