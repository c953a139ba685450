import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from './errors.js';

// docs/errors.md is what users and CI authors read: it must list exactly the codes in the table,
// with the same exit codes, in both directions.
const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...docs.matchAll(/^\| `(PG_ERR_[A-Z_]+)` \| (\d+) \|/gm)].map((match) => [match[1], Number(match[2])]),
);

describe('error code table', () => {
  it('documents every code with its exit code', () => {
    for (const [code, { exitCode }] of Object.entries(errorCodes)) {
      expect(documented.get(code), `${code} in docs/errors.md`).toBe(exitCode);
    }
  });

  it('documents no code that does not exist', () => {
    for (const code of documented.keys()) expect(Object.keys(errorCodes)).toContain(code);
  });
});
