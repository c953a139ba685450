import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ScenarioSchema } from './schema.js';
import { isScenarioSchemaFileCurrent, renderScenarioJsonSchema, scenarioSchemaPath } from './schema-file.js';

/** The repository root: the schema file sits in <root>/scenarios/. */
const root = path.resolve(path.dirname(scenarioSchemaPath), '..');

describe('scenarios/scenario.schema.json', () => {
  it('is current: regenerate with `pnpm build && pnpm schema` and commit it', async () => {
    const committed = await readFile(scenarioSchemaPath, 'utf8');
    expect(committed).toBe(renderScenarioJsonSchema());
  });

  it('detects a stale file', async () => {
    const stale = path.join(tmpdir(), `peakgate-schema-${process.pid}.json`);
    await writeFile(stale, renderScenarioJsonSchema().replace('"minLength": 1', '"minLength": 2'));
    expect(await isScenarioSchemaFileCurrent(stale)).toBe(false);
    await writeFile(stale, renderScenarioJsonSchema());
    expect(await isScenarioSchemaFileCurrent(stale)).toBe(true);
  });

  it('the built script exits 0 with --check on the committed file', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'packages/core/dist/scenario/schema-file.js'), '--check'],
      { cwd: root },
    );
    expect(stdout + stderr).toBe('');
  });

  describe('read by a standard validator (ajv, as editors and fastify would)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(renderScenarioJsonSchema()) as object);

    it.each(['balancer-peak.yaml', 'checkout-peak.yaml', 'target-smoke.yaml'])('accepts scenarios/%s', async (name) => {
      const document: unknown = parse(await readFile(path.join(root, 'scenarios', name), 'utf8'));
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    });

    const base = { name: 'x', load: { phases: [{ duration: '1s', rate: 5 }], requests: [{ path: '/' }] } };
    const documents: [string, unknown][] = [
      ['minimal', base],
      ['typo in a limit', { ...base, compare: { limits: { 'latency.p9': '+10%' } } }],
      ['unknown field', { ...base, extra: 1 }],
      ['bare number duration', { ...base, load: { ...base.load, phases: [{ duration: 10, rate: 5 }] } }],
      ['bad size', { ...base, service: { resources: { memory: '512x' } } }],
      ['ramp', { ...base, load: { ...base.load, phases: [{ duration: '1m30s', rate: { from: 1, to: 9 } }] } }],
      ['zero rate', { ...base, load: { ...base.load, phases: [{ duration: '1s', rate: 0 }] } }],
      ['slo units', { ...base, compare: { slo: { 'latency.p99': '250ms', error_rate: '0.1%', 'memory.peak': '1g' } } }],
      ['slo wrong unit', { ...base, compare: { slo: { error_rate: '250ms' } } }],
      ['status class', { ...base, load: { ...base.load, expect: { status: ['2xx', 404] } } }],
      ['lowercase method', { ...base, load: { ...base.load, requests: [{ path: '/', method: 'get' }] } }],
    ];
    it.each(documents)('agrees with peakgate on: %s', (_, document) => {
      expect(validate(document)).toBe(Value.Check(ScenarioSchema, document));
    });

    it('both reject what they should', () => {
      const verdicts = documents.map(([name, document]) => [name, validate(document)]);
      expect(verdicts.filter(([, ok]) => !ok).map(([name]) => name)).toEqual([
        'typo in a limit',
        'unknown field',
        'bare number duration',
        'bad size',
        'zero rate',
        'slo wrong unit',
        'lowercase method',
      ]);
    });
  });
});
