/** `peakgate replay` end to end: the built CLI as a real process on the fixtures in test/fixtures/replay. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from './cli-support.js';

const peakgate = (args: string[]) => runPeakgate(args, 60_000);
const fixture = (name: string): string => path.join('test', 'fixtures', 'replay', name);

describe('peakgate replay', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-replay-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a combined log into a scenario that validate accepts, and reports what it skipped', async () => {
    const out = path.join(dir, 'scenarios', 'access.yaml');
    const run = await peakgate(['replay', fixture('access.log'), '--out', out, '--speed', '3x']);
    expect(run.code, explainRun(run)).toBe(0);
    expect(run.stdout).toContain(
      `✓ wrote ${out}: 6 request templates (100.0% of requests), 3 rate steps over 10s at 3x`,
    );
    expect(run.stdout).toContain('2403 lines read, 2400 used, 3 skipped, 0 outside the window');
    expect(run.stdout).toContain('skipped line 301: not in the Combined Log Format');
    expect(run.stdout).toContain('skipped line 902: no request line (method, target and version)');
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(/^# Imported by peakgate \S+ replay from "test\/fixtures\/replay\/access.log" \(combined\)\./);
    expect(text).toContain('path: /api/users/{{uuid}}/orders');
    const validate = await peakgate(['validate', out]);
    expect(validate.code, explainRun(validate)).toBe(0);
    expect(validate.stdout).toContain('is valid (3 phases, 6 request kinds, total duration 15s incl. 5s warm-up)');
  });

  it('a short browser HAR: warns that its p99s rest on few requests, and --duration loops it to a set length', async () => {
    const out = path.join(dir, 'short.yaml');
    const once = await peakgate(['replay', fixture('browser-session.har'), '--out', out]);
    expect(once.code, explainRun(once)).toBe(0);
    expect(once.stdout).toMatch(
      /^ {2}note: 5 of 5 request names get fewer than 100 requests in a trial of 2s \(one pass of the recording\) \(.+\), so their p99 rests on too few samples; --duration \S+ loops the recording enough for each$/m,
    );
    const looped = await peakgate([
      'replay',
      fixture('browser-session.har'),
      '--out',
      out,
      '--duration',
      '5m',
      '--json',
    ]);
    expect(looped.code, explainRun(looped)).toBe(0);
    const report = JSON.parse(looped.stdout) as { measuredMs: number; passes: number; warnings: string[] };
    expect(report).toMatchObject({ measuredMs: 300_000, passes: 150 });
    // 150 passes of 9 requests: the rarest name (1 a pass) still gets 150.
    expect(report.warnings).toEqual([]);
    const validate = await peakgate([
      'validate',
      out,
      ...[
        'REPLAY_COOKIE',
        'REPLAY_QUERY_TOKEN',
        'REPLAY_AUTHORIZATION',
        'REPLAY_X_API_KEY',
        'REPLAY_BODY_PASSWORD',
      ].flatMap((name) => ['--env', name]),
    ]);
    expect(validate.code, explainRun(validate)).toBe(0);
    expect(validate.stdout).toContain('total duration 5m5s incl. 5s warm-up');
    const refused = await peakgate(['replay', fixture('browser-session.har'), '--out', out, '--duration', '25h']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--duration: expected from 1s to 24h, got "25h" [PG_ERR_OPTS_INVALID]');
  });

  it('reads gzip input and writes a timeline beside the scenario with --timeline', async () => {
    const out = path.join(dir, 'gz.yaml');
    const run = await peakgate(['replay', fixture('access.log.gz'), '--out', out, '--peak-rate', '500', '--timeline']);
    expect(run.code, explainRun(run)).toBe(0);
    expect(run.stdout).toContain('(combined, gzip): 2403 lines read, 2400 used');
    expect(run.stdout).toContain(`timeline ${path.join(dir, 'gz.timeline')} (2400 arrivals)`);
    const scenario = await readFile(out, 'utf8');
    expect(scenario).toContain('timeline:\n    file: gz.timeline\n    speed: 5\n');
    const timeline = (await readFile(path.join(dir, 'gz.timeline'), 'utf8')).split('\n');
    expect(timeline[0]).toMatch(/^# peakgate timeline/);
    expect(timeline).toHaveLength(2402);
    const validate = await peakgate(['validate', '--json', out]);
    expect(validate.code, explainRun(validate)).toBe(0);
    expect(JSON.parse(validate.stdout).load.phases[0].load.timeline).toMatchObject({ arrivals: 2400, speed: 5 });
  });

  it('turns HAR secrets into {{env NAME}} placeholders, unless --keep-secrets', async () => {
    const out = path.join(dir, 'har.yaml');
    const run = await peakgate(['replay', fixture('session.har'), '--out', out]);
    expect(run.code, explainRun(run)).toBe(0);
    expect(run.stdout).toContain('(har): 5 entries read, 4 used, 1 skipped');
    expect(run.stdout).toContain('skipped entry 5: entry without a readable startedDateTime');
    expect(run.stdout).toContain(
      'set before running: REPLAY_AUTHORIZATION, REPLAY_COOKIE, REPLAY_QUERY_API_KEY, REPLAY_X_API_KEY, REPLAY_BODY_KEY, REPLAY_BODY_PASSWORD',
    );
    expect(run.stdout).toContain(
      `then hand them in: peakgate run ${out} --target URL --env REPLAY_AUTHORIZATION --env REPLAY_COOKIE --env REPLAY_QUERY_API_KEY --env REPLAY_X_API_KEY --env REPLAY_BODY_KEY --env REPLAY_BODY_PASSWORD`,
    );
    const text = await readFile(out, 'utf8');
    expect(text).not.toContain('not-real');
    expect(text).toContain('authorization: "{{env REPLAY_AUTHORIZATION}}"');
    expect(text).not.toMatch(/:authority|connection|content-length|transfer-encoding/i);
    const kept = path.join(dir, 'har-kept.yaml');
    const keep = await peakgate(['replay', fixture('session.har'), '--out', kept, '--keep-secrets']);
    expect(keep.code, explainRun(keep)).toBe(0);
    expect(await readFile(kept, 'utf8')).toContain('authorization: Bearer fixture-token-not-real');
  });

  it('reads JSON lines with --map and --json prints the import report', async () => {
    const out = path.join(dir, 'custom.yaml');
    const run = await peakgate([
      'replay',
      fixture('custom.jsonl'),
      '--out',
      out,
      '--map',
      'time=when',
      '--map',
      'method=verb',
      '--map',
      'path=route',
      '--map',
      'status=code',
      '--json',
    ]);
    expect(run.code, explainRun(run)).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ format: 'jsonl', read: 10, used: 10, skipped: 0, templates: { kept: 1, seen: 1 } });
    expect(await readFile(out, 'utf8')).toContain('path: /things/{{int 1 10}}');
  });

  it('exits 2 when no line is usable, saying why', async () => {
    const run = await peakgate(['replay', fixture('bad.log'), '--out', path.join(dir, 'bad.yaml')]);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('no usable request: 3 lines read, 3 skipped');
    expect(run.stderr).toContain('[PG_ERR_REPLAY_EMPTY]');
    expect(run.stderr).toContain('line 1: not in the Combined Log Format');
  });

  it('exits 2 for a window with nothing in it, a missing input and bad flags', async () => {
    const out = path.join(dir, 'x.yaml');
    const window = await peakgate([
      'replay',
      fixture('access.log'),
      '--out',
      out,
      '--window',
      '2030-01-01T00:00:00Z..',
    ]);
    expect(window.code, explainRun(window)).toBe(2);
    expect(window.stderr).toContain('(2400 outside the --window)');
    const missing = await peakgate(['replay', path.join(dir, 'nope.log'), '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[PG_ERR_REPLAY_READ]');
    for (const [args, message] of [
      [['--speed', '3x', '--peak-rate', '100'], '--speed and --peak-rate exclude each other'],
      [['--speed', 'fast'], '--speed: expected a factor such as 3x'],
      [['--format', 'xml'], '--format: expected one of auto, combined, jsonl, har'],
      [['--window', 'yesterday..today'], '--window: cannot read the time "yesterday"'],
      [['--map', 'colour=c'], '--map: expected FIELD=NAME'],
      [['--top', '0'], '--top: expected an integer from 1 to 10000'],
    ] as const) {
      const bad = await peakgate(['replay', fixture('access.log'), '--out', out, ...args]);
      expect(bad.code, explainRun(bad)).toBe(2);
      expect(bad.stderr).toContain(message);
      expect(bad.stderr).toContain('[PG_ERR_OPTS_INVALID]');
    }
    const noOut = await peakgate(['replay', fixture('access.log')]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('give --out FILE');
  });
});
