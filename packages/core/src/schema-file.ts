/**
 * The published JSON Schema of the scenario format, generated from ScenarioSchema so editors and
 * peakgate can never disagree. `node packages/core/dist/schema-file.js --write` (root: `pnpm schema`)
 * rewrites scenarios/scenario.schema.json; `--check` exits 1 when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ScenarioSchema } from './scenario-schema.js';

/** Same relative place from src/ (tests) and dist/ (the script). */
export const scenarioSchemaPath = fileURLToPath(new URL('../../../scenarios/scenario.schema.json', import.meta.url));

/** The schema file's exact text: draft-07 (what VS Code and yaml-language-server read best), 2-space JSON. */
export function renderScenarioJsonSchema(): string {
  // JSON.stringify drops TypeBox's symbol-keyed metadata, leaving plain JSON Schema.
  const document = { $schema: 'http://json-schema.org/draft-07/schema#', ...ScenarioSchema };
  return `${JSON.stringify(document, null, 2)}\n`;
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
  process.stderr.write('usage: node packages/core/dist/schema-file.js --write | --check\n');
  return 2;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runScript(process.argv.slice(2));
}
