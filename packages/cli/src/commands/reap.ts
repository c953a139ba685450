import type { Command } from 'commander';
import type { Output } from '../output.js';
import type { SetExitCode } from './index.js';

export function registerReap(program: Command, output: Output, setExitCode: SetExitCode): void {
  void program;
  void output;
  void setExitCode;
}
