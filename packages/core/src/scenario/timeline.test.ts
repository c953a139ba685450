import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioInvalidError } from './issues.js';
import { parseScenario } from './loader.js';
import { parseTimeline, readTimelineFile } from './timeline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pg-timeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = (timeline: string): string => `name: t
load:
  timeline: ${timeline}
  requests:
    - { path: /a }
    - { method: POST, path: /b }
`;

function problems(text: string, baseDir: string | null = dir): string[] {
  try {
    parseScenario(text, 's.yaml', baseDir === null ? {} : { baseDir });
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioInvalidError)) throw error;
    return error.issues.map((issue) => `${issue.path}  ${issue.message}`);
  }
}

describe('parseTimeline', () => {
  it('reads offsets and request indices, skipping comments and blank lines', () => {
    const parsed = parseTimeline('# header\n0 0\n\n250.5 1\n999 0\n1000 1\n', 2);
    expect('arrivals' in parsed).toBe(true);
    if (!('arrivals' in parsed)) return;
    expect([...parsed.arrivals.offsetsMs]).toEqual([0, 250.5, 999, 1000]);
    expect([...parsed.arrivals.requestIndex]).toEqual([0, 1, 0, 1]);
    expect(parsed.peakPerSecond).toBe(3);
  });

  it('names the line of each problem: format, order, index range, emptiness', () => {
    expect(parseTimeline('0 0\nx y\n5 3\n10 0\n4 0\n', 2)).toEqual({
      problems: [
        'line 2: expected "<offset ms> <request index>"',
        'line 3: the request index is past the last request (load.requests has 2)',
        "line 5: the offset is before the previous line's: keep lines in time order",
      ],
    });
    expect(parseTimeline('# nothing\n', 1)).toEqual({
      problems: ['no arrivals: expected lines of "<offset ms> <request index>"'],
    });
  });
});

describe('load.timeline in a scenario', () => {
  it('resolves to one open-model phase lasting until the last arrival ÷ speed', () => {
    writeFileSync(path.join(dir, 'ok.timeline'), '0 0\n500 1\n1000 0\n2000 1\n');
    const scenario = parseScenario(SCENARIO('{ file: ok.timeline, speed: 2 }'), 's.yaml', { baseDir: dir });
    expect(scenario.load.phases).toHaveLength(1);
    const [phase] = scenario.load.phases;
    expect(phase?.name).toBe('timeline');
    expect(phase?.durationMs).toBe(1001);
    expect(phase?.load).toMatchObject({
      model: 'open',
      timeline: { path: path.join(dir, 'ok.timeline'), speed: 2, arrivals: 4, lastOffsetMs: 2000, peakPerSecond: 2 },
    });
    // The string shorthand is speed 1.
    const plain = parseScenario(SCENARIO('ok.timeline'), 's.yaml', { baseDir: dir });
    expect(plain.load.phases[0]?.durationMs).toBe(2001);
  });

  it('refuses phases and timeline together, and neither', () => {
    writeFileSync(path.join(dir, 'ok.timeline'), '0 0\n');
    expect(problems(`${SCENARIO('ok.timeline')}  phases: [{ duration: 1s, rate: 1 }]\n`)).toEqual([
      'load.timeline  phases and timeline exclude each other: a timeline replays its own arrival times',
    ]);
    expect(problems('name: t\nload:\n  requests: [{ path: / }]\n')).toEqual([
      'load.phases  required field is missing (or load.timeline instead)',
    ]);
  });

  it('reports a missing or broken file, and a scenario that was not read from a file', () => {
    expect(problems(SCENARIO('nope.timeline'))).toEqual([
      'load.timeline  cannot read the timeline "nope.timeline": no such file',
    ]);
    writeFileSync(path.join(dir, 'bad.timeline'), '0 0\n10 7\n');
    expect(problems(SCENARIO('bad.timeline'))).toEqual([
      'load.timeline  timeline bad.timeline: line 2: the request index is past the last request (load.requests has 2)',
    ]);
    expect(problems(SCENARIO('ok.timeline'), null)[0]).toContain('this scenario was not read from a file');
  });

  it('is read again by the load engine, which refuses a file changed since', async () => {
    const file = path.join(dir, 'changing.timeline');
    writeFileSync(file, '0 0\n100 1\n');
    const scenario = parseScenario(SCENARIO('changing.timeline'), 's.yaml', { baseDir: dir });
    const load = scenario.load.phases[0]?.load;
    if (load?.model !== 'open' || load.timeline === undefined) throw new Error('expected a timeline phase');
    const arrivals = await readTimelineFile(load.timeline, 2);
    expect([...arrivals.requestIndex]).toEqual([0, 1]);
    writeFileSync(file, '0 0\n100 1\n200 1\n');
    await expect(readTimelineFile(load.timeline, 2)).rejects.toThrow('changed after the scenario was read');
  });
});
