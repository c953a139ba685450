/**
 * What every command is: a definition (name, arguments, flags, help) and a run function that
 * takes the parsed input and returns an Outcome or throws a PeakgateError. Commands never choose
 * exit codes; main.ts maps outcomes and errors to them in one table.
 */
import type { Command, OptionValues } from 'commander';
import type { Output } from '../output.js';

/**
 * How a command ended when it did not throw:
 * - `done`: it did its job (validate, run, reap; demo when the gate caught the regression);
 * - `pass` / `fail`: compare's verdict on the candidate (demo: `fail` when the gate missed the regression);
 * - `bad-build`: run --service: the build never got ready or crashed (evidence, not a broken sandbox);
 * - `interrupted`: Ctrl-C or SIGTERM after what was measured was printed.
 */
export type Outcome = 'done' | 'pass' | 'fail' | 'bad-build' | 'interrupted';

export interface CommandInput<Flags> {
  /** The positional arguments, as commander parsed them. */
  args: string[];
  flags: Flags;
  output: Output;
}

export interface PeakgateCommand<Flags extends OptionValues = OptionValues> {
  /** Adds the subcommand with its arguments, flags and help to the program; no action. */
  define(program: Command): Command;
  run(input: CommandInput<Flags>): Promise<Outcome>;
}
