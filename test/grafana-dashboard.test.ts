/**
 * docker/grafana/peakgate.json against Grafana's own dashboard model. Grafana publishes that
 * model on npm as TypeScript types (`@grafana/schema`, `Dashboard` in raw/dashboard/x, generated
 * from its CUE schema); no npm package ships it as a JSON Schema, so the test turns those types
 * into one with ts-json-schema-generator and validates the file with ajv: a misspelt or
 * misplaced field (additional properties are refused), a wrong type or a missing `type` fails.
 * The PromQL of every panel is checked against a real Prometheus in server-prometheus.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIDE_COLORS } from '../packages/core/dist/index.js';
import { root } from './runtime-support.js';

interface Target {
  expr: string;
  instant?: boolean;
  legendFormat?: string;
}
interface Override {
  matcher: { id: string; options: string };
  properties: Array<{ id: string; value: { mode: string; fixedColor: string } }>;
}
interface DashboardFile {
  templating: { list: Array<{ name: string }> };
  panels: Array<{
    id: number;
    title: string;
    type: string;
    targets: Target[];
    fieldConfig?: { overrides?: Override[] };
  }>;
}

let validate: ValidateFunction;
let dashboard: DashboardFile;

function problems(document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@grafana/schema/package.json'));
  const types = path.join(packageDir, 'dist', 'types', 'raw', 'dashboard', 'x', 'types.gen.d.ts');
  const schema = createGenerator({ path: types, type: 'Dashboard', skipTypeCheck: true }).createSchema('Dashboard');
  validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  dashboard = JSON.parse(await readFile(path.join(root, 'docker', 'grafana', 'peakgate.json'), 'utf8'));
}, 60_000);

describe('the Grafana dashboard', () => {
  it("is a valid dashboard by Grafana's published model", () => {
    expect(problems(dashboard)).toEqual([]);
  });

  it('fails the same check when a field is misspelt, mistyped or missing (the check can fail)', () => {
    const broken = structuredClone(dashboard) as unknown as {
      panels: Array<Record<string, unknown> & { gridPos: { w: unknown } }>;
      templating: { list: Array<Record<string, unknown>> };
    };
    const [first, second, third] = broken.panels;
    if (first === undefined || second === undefined || third === undefined) throw new Error('too few panels');
    first.gridPos.w = 'wide';
    second.titel = 'typo';
    delete third.type;
    broken.templating.list.push({ name: 'x', type: 'no-such-type' });
    const found = problems(broken).join('\n');
    expect(found).toContain('/panels/0/gridPos/w must be number');
    expect(found).toContain('"additionalProperty":"titel"');
    expect(found).toContain("/panels/2 must have required property 'type'");
    expect(found).toContain('/templating/list/');
  });

  it('names no job (any scrape job name works) and uses only variables it defines', () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    const builtIn = new Set(['__rate_interval', '__range', '__interval']);
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        expect(expr, `panel ${panel.id}`).not.toMatch(/job\s*=\s*"/);
        for (const [, name] of expr.matchAll(/\$(\w+)/g)) {
          expect(defined.has(name as string) || builtIn.has(name as string), `panel ${panel.id}: $${name}`).toBe(true);
        }
      }
    }
    expect(defined).toContain('job');
  });

  it('plots no raw cumulative counter and divides by nothing that can be 0', () => {
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        // A counter (…_total, histogram _count/_sum/_bucket) is read through rate() or increase() only.
        const bare = expr.replace(/(rate|increase)\([^()]*\)/g, '');
        expect(bare, `panel ${panel.id} ${panel.title}`).not.toMatch(/\w+(_total|_count|_bucket)\b/);
        // A division's right side is filtered (> 0), so 0/0 between trials is no point, not NaN.
        if (/\) \/ /.test(expr)) expect(expr, `panel ${panel.id}`).toMatch(/\/ \(.*\) > 0\)$/);
      }
    }
  });

  it("draws each side in its one colour, the report page's, on every panel split by role", () => {
    const byRole = dashboard.panels.filter((panel) => panel.targets.some((t) => t.legendFormat?.includes('{{role}}')));
    expect(byRole.length).toBeGreaterThan(5);
    for (const panel of byRole) {
      const colour = (role: string): string | undefined =>
        panel.fieldConfig?.overrides?.find((o) => o.matcher.id === 'byRegexp' && o.matcher.options === `.*${role}.*`)
          ?.properties[0]?.value.fixedColor;
      expect(colour('baseline'), `panel ${panel.id} ${panel.title}`).toBe(SIDE_COLORS.baseline);
      expect(colour('candidate'), `panel ${panel.id} ${panel.title}`).toBe(SIDE_COLORS.candidate);
    }
  });
});
