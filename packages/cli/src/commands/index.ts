import type { Command } from 'commander';
import type { Output } from '../output.js';
import { registerCompare } from './compare.js';
import { registerDemo } from './demo.js';
import { registerReap } from './reap.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerValidate } from './validate.js';

/** Sets the process exit code for a command that finished without throwing (0 pass, 1 fail). */
export type SetExitCode = (code: number) => void;

/** Each command lives in its own module and registers itself; heavy modules load lazily inside actions. */
export function registerCommands(program: Command, output: Output, setExitCode: SetExitCode): void {
  registerValidate(program, output, setExitCode);
  registerRun(program, output, setExitCode);
  registerCompare(program, output, setExitCode);
  registerDemo(program, output, setExitCode);
  registerReap(program, output, setExitCode);
  registerServe(program, output, setExitCode);
}
