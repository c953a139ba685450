/**
 * The published JSON Schema of the scenario format, generated from ScenarioSchema so editors and
 * peakgate can never disagree. `node packages/core/dist/scenario/schema-file.js --write` (root: `pnpm schema`)
 * rewrites scenarios/scenario.schema.json; `--check` exits 1 when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ScenarioSchema } from './schema.js';

/** Same relative place from src/ (tests) and dist/ (the script). */
export const scenarioSchemaPath = fileURLToPath(new URL('../../../../scenarios/scenario.schema.json', import.meta.url));

/** The schema file's exact text: draft-07 (what VS Code and yaml-language-server read best), 2-space JSON. */
export function renderScenarioJsonSchema(): string {
  // JSON.stringify drops TypeBox's symbol-keyed metadata, leaving plain JSON Schema.
  const plain = JSON.parse(JSON.stringify(ScenarioSchema)) as unknown;
  const document = { $schema: 'http://json-schema.org/draft-07/schema#', ...(toDraft07(plain) as object) };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * compare.limits and compare.slo are TypeBox intersections with `unevaluatedProperties: false` (named
 * metrics plus `metric{name=…}` keys, scenario/schema.ts); draft-07 has no unevaluatedProperties, so
 * the file states the same thing the draft-07 way: properties + patternProperties +
 * additionalProperties: false, which every editor reads.
 */
function toDraft07(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toDraft07);
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  const members = record.allOf;
  if (record.unevaluatedProperties === false && Array.isArray(members)) {
    const { allOf: _allOf, unevaluatedProperties: _unevaluated, ...rest } = record;
    const parts = members as Array<Record<string, unknown>>;
    const merge = (key: string): Record<string, unknown> =>
      Object.assign({}, ...parts.map((part) => (part[key] as Record<string, unknown> | undefined) ?? {}));
    return toDraft07({
      ...rest,
      type: 'object',
      properties: merge('properties'),
      patternProperties: merge('patternProperties'),
      additionalProperties: false,
    });
  }
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, toDraft07(value)]));
}

/** True when the file on disk matches what the code generates. */
export async function isScenarioSchemaFileCurrent(file: string = scenarioSchemaPath): Promise<boolean> {
  const written = await readFile(file, 'utf8').catch(() => undefined);
  return written === renderScenarioJsonSchema();
}

async function runScript(args: readonly string[]): Promise<number> {
  if (args.includes('--write')) {
    await writeFile(scenarioSchemaPath, renderScenarioJsonSchema());
    process.stdout.write(`wrote ${scenarioSchemaPath}\n`);
    return 0;
  }
  if (args.includes('--check')) {
    if (await isScenarioSchemaFileCurrent()) return 0;
    process.stderr.write(`${scenarioSchemaPath} is stale: run \`pnpm schema\` and commit the result\n`);
    return 1;
  }
  process.stderr.write('usage: node packages/core/dist/scenario/schema-file.js --write | --check\n');
  return 2;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runScript(process.argv.slice(2));
}
