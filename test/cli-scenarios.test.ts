/**
 * The scenarios a user copies (scenarios/smoke, peak, spike, soak): each opens with one
 * "# When to use:" line, validates with `peakgate validate`, and has the shape its name promises.
 * Every other YAML file in scenarios/ validates too.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../packages/cli/dist/index.js';
import { loadScenarioFile, type Scenario } from '../packages/core/dist/index.js';
import { captureOutput, root } from './cli-support.js';

const dir = path.join(root, 'scenarios');
const STARTERS = ['smoke', 'peak', 'spike', 'soak'] as const;

const rates = (scenario: Scenario): { from: number; to: number }[] =>
  scenario.load.phases.map((p) => (p.load.model === 'open' ? p.load.rate : { from: Number.NaN, to: Number.NaN }));

describe('scenarios/', () => {
  it.each(STARTERS)('%s.yaml says when to use it on its first line', async (name) => {
    const first = (await readFile(path.join(dir, `${name}.yaml`), 'utf8')).split('\n')[0] ?? '';
    expect(first).toMatch(/^# When to use: \S.{20,}$/);
  });

  it('every YAML scenario validates', async () => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(STARTERS.map((n) => `${n}.yaml`)));
    for (const file of files) {
      const output = captureOutput();
      const code = await main(['validate', path.join('scenarios', file)], output);
      expect(code, `${file}\n${output.stderr}`).toBe(0);
      expect(output.stdout).toContain('is valid');
      const scenario = await loadScenarioFile(path.join(dir, file));
      expect(scenario.name).toBe(file.replace(/\.yaml$/, ''));
    }
  });

  it('each starter has the shape its name promises', async () => {
    const load = (name: string): Promise<Scenario> => loadScenarioFile(path.join(dir, `${name}.yaml`));
    const total = (s: Scenario): number => s.load.phases.reduce((sum, p) => sum + p.durationMs, 0);
    const smoke = await load('smoke');
    expect(total(smoke)).toBeLessThanOrEqual(60_000);
    const [ramp, hold] = rates(await load('peak'));
    expect(ramp?.from).toBeLessThan(ramp?.to ?? 0);
    expect(hold).toEqual({ from: ramp?.to, to: ramp?.to });
    const spike = rates(await load('spike'));
    const base = spike[0]?.to ?? 0;
    expect(Math.max(...spike.map((r) => r.to))).toBeGreaterThanOrEqual(3 * base);
    expect(spike.at(-1)?.to).toBe(base);
    const soak = await load('soak');
    expect(total(soak)).toBeGreaterThanOrEqual(5 * 60_000);
    expect(Object.keys(soak.compare.limits)).toContain('memory.peak');
  });
});
