import type { Command } from 'commander';
import type { Output } from '../output.js';

/** Sets the process exit code for a command that finished without throwing (0 pass, 1 fail). */
export type SetExitCode = (code: number) => void;

export function registerCommands(program: Command, output: Output, setExitCode: SetExitCode): void {
  void program;
  void output;
  void setExitCode;
}
