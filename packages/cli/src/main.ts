/**
 * The `peakgate` command. Thin: parses flags, calls the command, prints, returns the exit code.
 * This is the only place that maps errors to exit codes (0 pass, 1 fail, 2 usage, 3 infrastructure).
 */
import { isPeakgateError, PeakgateError } from '@peakgate/core';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { type Output, processOutput } from './output.js';

export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  let exitCode = 0;
  const program = new Command('peakgate')
    .description('Load-simulation sandbox: gate a candidate build against a baseline under peak traffic.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => output.result(s), writeErr: (s) => output.error(s) })
    .exitOverride();
  registerCommands(program, output, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, output);
  }
}

function reportError(error: unknown, output: Output): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other commander error is a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0)
      return 0;
    return 2;
  }
  if (isPeakgateError(error)) {
    output.error(`peakgate: ${error.message} [${error.code}]`);
    for (const line of error.details) output.error(`  ${line}`);
    return error.exitCode;
  }
  const internal = new PeakgateError('PG_ERR_INTERNAL', 'unexpected error (a bug in peakgate)', { cause: error });
  output.error(`peakgate: ${internal.message} [${internal.code}]`);
  output.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return internal.exitCode;
}
