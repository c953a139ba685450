import { closeEnvDoor, handedInEnvNames, maskSecrets } from '@peakgate/core';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { addEnvOption, openEnvDoorFromFlags } from './env-flag.js';
import type { Output } from './output.js';

const notes: string[] = [];
const output: Output = { result: () => {}, info: (text) => notes.push(text), error: () => {} };

afterEach(() => {
  closeEnvDoor();
  notes.length = 0;
  delete process.env.PG_ENV_FLAG_TEST_LONG;
  delete process.env.PG_ENV_FLAG_TEST_SHORT;
});

function parsed(name: string, argv: string[]): Record<string, unknown> {
  const program = new Command('peakgate').exitOverride();
  const command = program.command(name).action(() => {});
  addEnvOption(command);
  program.parse([name, ...argv], { from: 'user' });
  return command.opts();
}

describe('--env NAME', () => {
  it('is repeatable, and --inherit-env exists only where builds start', () => {
    expect(parsed('compare', ['--env', 'A', '--env', 'B']).env).toEqual(['A', 'B']);
    expect(parsed('run', []).env).toBeUndefined();
    expect(parsed('run', ['--inherit-env']).inheritEnv).toBe(true);
    expect(() => parsed('validate', ['--inherit-env'])).toThrow();
    expect(() => parsed('serve', ['--inherit-env'])).toThrow();
  });

  it('opens the door with the names, masks their values, and notes a value too short to mask', async () => {
    process.env.PG_ENV_FLAG_TEST_LONG = 'long-enough-value';
    process.env.PG_ENV_FLAG_TEST_SHORT = 'q7';
    await openEnvDoorFromFlags({ env: ['PG_ENV_FLAG_TEST_LONG', 'PG_ENV_FLAG_TEST_SHORT'] }, output);
    expect(handedInEnvNames()).toEqual(['PG_ENV_FLAG_TEST_LONG', 'PG_ENV_FLAG_TEST_SHORT']);
    expect(maskSecrets('token long-enough-value')).toBe('token ***');
    expect(notes.join('\n')).toContain('PG_ENV_FLAG_TEST_SHORT is shorter than 4 characters');
    expect(notes.join('\n')).not.toContain('q7');
  });
});
