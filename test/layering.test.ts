/**
 * The layering check of .dependency-cruiser.cjs (issue 25), run as `pnpm lint` runs it:
 * - the packages as they are break no rule (needs `pnpm build`: @peakgate/* resolves to dist);
 * - every listed known violation still matches an import, so the list cannot outlive its reason;
 * - on throw-away files, each rule fails on the import it forbids: an upward import, a sideways
 *   one, a reach into another package's files, a circle, judge → report, … so none is a rule
 *   that cannot fail (a misspelt path pattern would match nothing and pass forever).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const configFile = path.join(root, '.dependency-cruiser.cjs');
const cruiser = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const run = promisify(execFile);
/** One cruise of the whole tree takes 4 s on an idle 2-core machine; a busy one is given room. */
const CRUISE_TIMEOUT_MS = 90_000;

interface Rule {
  name: string;
}
interface KnownViolation {
  type: string;
  from: string;
  to: string;
  rule: { name: string };
}
interface Violation extends KnownViolation {
  rule: { name: string; severity: string };
}
const config = createRequire(import.meta.url)(configFile) as {
  forbidden: Rule[];
  options: { knownViolations: KnownViolation[] };
};

/** Every violation the cruise of `dirs` (relative to `cwd`) found, known ones included (severity "ignore"). */
async function cruise(cwd: string, dirs: string[]): Promise<Violation[]> {
  // Exit code 1 is "violations found": the JSON on stdout says which, so it is read either way.
  const { stdout } = await run(process.execPath, [cruiser, '--config', configFile, '--output-type', 'json', ...dirs], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    timeout: CRUISE_TIMEOUT_MS,
  }).catch((error: { stdout?: string; stderr?: string; code?: unknown }) => {
    if (error.code === 1 && error.stdout) return { stdout: error.stdout };
    throw new Error(`dependency-cruiser failed (${String(error.code)}): ${error.stderr ?? ''}`);
  });
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const show = (violations: Violation[]): string =>
  violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).join('\n');

describe('layering (.dependency-cruiser.cjs)', () => {
  let violations: Violation[];

  it(
    'the packages import one way: no circle, nothing upward or sideways',
    async () => {
      const packages = await readdir(path.join(root, 'packages'));
      violations = await cruise(
        root,
        packages.map((name) => `packages/${name}/src`),
      );
      const errors = violations.filter((v) => v.rule.severity !== 'ignore');
      expect(errors, show(errors)).toEqual([]);
    },
    CRUISE_TIMEOUT_MS,
  );

  it('every known violation is still there (delete an entry once its import is gone)', () => {
    expect(violations, 'the cruise above ran').toBeDefined();
    const ignored = violations.filter((v) => v.rule.severity === 'ignore');
    for (const known of config.options.knownViolations) {
      const found = ignored.some((v) => v.rule.name === known.rule.name && v.from === known.from);
      expect(
        found,
        `${known.rule.name}: ${known.from} → ${known.to} is listed in KNOWN_VIOLATIONS but no longer happens`,
      ).toBe(true);
    }
  });

  describe('each rule fails on the import it forbids', () => {
    let scratch: string;
    afterAll(async () => {
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    });

    it(
      'catches every kind of wrong import in a throw-away tree',
      async () => {
        scratch = await mkdtemp(path.join(tmpdir(), 'peakgate-layering-'));
        const files: Record<string, string> = {
          // Up: core imports the controller, by its package name (not a dependency of core, so
          // unresolvable too) and by a path into its files.
          'packages/core/src/up-by-name.ts':
            "import type { Plan } from '@peakgate/controller';\nexport type P = Plan;\n",
          'packages/core/src/up-by-path.ts': "import { b } from '../../controller/src/b.js';\nexport const a = b;\n",
          'packages/controller/src/b.ts': 'export const b = 1;\n',
          // Sideways: loadgen and runtime share a layer.
          'packages/loadgen/src/side.ts': "import { r } from '../../runtime/src/r.js';\nexport const s = r;\n",
          'packages/runtime/src/r.ts': 'export const r = 1;\n',
          // Down is fine: the controller importing core by a path is only a reach into its files.
          'packages/controller/src/down.ts': "import { a } from '../../core/src/up-by-path.js';\nexport const d = a;\n",
          // A circle of type-only imports.
          'packages/core/src/judge/left.ts': "import type { R } from './right.js';\nexport type L = { r?: R };\n",
          'packages/core/src/judge/right.ts': "import type { L } from './left.js';\nexport type R = { l?: L };\n",
          // Inside core.
          'packages/core/src/judge/words.ts': "import { page } from '../report/page.js';\nexport const w = page;\n",
          'packages/core/src/report/page.ts': 'export const page = 1;\n',
          'packages/core/src/wording/reason.ts': "import { page } from '../report/page.js';\nexport const r = page;\n",
          'packages/core/src/statistics/mean.ts':
            "import type { Model } from '../scenario/model.js';\nexport type M = Model;\n",
          'packages/core/src/scenario/model.ts':
            "import type { V } from '../judge/verdict.js';\nexport type Model = V;\n",
          'packages/core/src/judge/verdict.ts': 'export type V = 1;\n',
          'packages/core/src/trial.ts': "import { page } from './report/page.js';\nexport const t = page;\n",
          // A fixture reached from shipped code.
          'packages/core/src/ship.ts': "import { f } from './test-support/fixture.js';\nexport const s = f;\n",
          'packages/core/src/test-support/fixture.ts': 'export const f = 1;\n',
        };
        for (const [file, text] of Object.entries(files)) {
          await mkdir(path.dirname(path.join(scratch, file)), { recursive: true });
          await writeFile(path.join(scratch, file), text);
        }
        const found = await cruise(scratch, ['packages']);
        const errors = found.filter((v) => v.rule.severity === 'error');
        const hit = (rule: string, from: string): boolean =>
          errors.some((v) => v.rule.name === rule && v.from === from);

        expect(hit('layer-core', 'packages/core/src/up-by-name.ts'), show(errors)).toBe(true);
        expect(hit('not-to-unresolvable', 'packages/core/src/up-by-name.ts'), show(errors)).toBe(true);
        expect(hit('layer-core', 'packages/core/src/up-by-path.ts'), show(errors)).toBe(true);
        expect(hit('no-reach-into-another-package', 'packages/core/src/up-by-path.ts'), show(errors)).toBe(true);
        expect(hit('layer-loadgen', 'packages/loadgen/src/side.ts'), show(errors)).toBe(true);
        expect(hit('no-reach-into-another-package', 'packages/controller/src/down.ts'), show(errors)).toBe(true);
        expect(hit('layer-controller', 'packages/controller/src/down.ts'), 'core is below the controller').toBe(false);
        expect(hit('no-circular', 'packages/core/src/judge/left.ts'), show(errors)).toBe(true);
        expect(hit('core-judge-below-report', 'packages/core/src/judge/words.ts'), show(errors)).toBe(true);
        expect(hit('core-wording-below-report', 'packages/core/src/wording/reason.ts'), show(errors)).toBe(true);
        expect(hit('core-statistics-alone', 'packages/core/src/statistics/mean.ts'), show(errors)).toBe(true);
        expect(hit('core-scenario-below-judge', 'packages/core/src/scenario/model.ts'), show(errors)).toBe(true);
        expect(hit('core-basics-below-judge', 'packages/core/src/trial.ts'), show(errors)).toBe(true);
        expect(hit('no-test-code-in-shipped-code', 'packages/core/src/ship.ts'), show(errors)).toBe(true);
        // And nothing else: every rule above has failed at least once, so none of them cannot fail
        // except the per-package layers not exercised here, which share one generator.
        const exercised = new Set(errors.map((v) => v.rule.name));
        const neverFailed = config.forbidden
          .map((rule) => rule.name)
          .filter((name) => !exercised.has(name) && !name.startsWith('layer-'));
        expect(neverFailed).toEqual([]);
      },
      CRUISE_TIMEOUT_MS,
    );
  });
});
