/**
 * The `peakgate` command. Thin: parses flags, runs the command, prints, returns the exit code.
 * This is the only place exit codes are chosen, all from core's one exit-code table (exitCodes):
 * a command returns an Outcome (mapped below) or throws; a PeakgateError carries its code's exit
 * code from core's errors table, a usage error from commander is 2, and anything else is a bug
 * (PG_ERR_INTERNAL, 3).
 */
import { exitCodes, exitCodesHelp, isPeakgateError, PeakgateError, peakgateVersion } from '@peakgate/core';
import { Command, CommanderError } from 'commander';
import type { Outcome } from './commands/command.js';
import { registerCommands } from './commands/index.js';
import { interruptedExitCode } from './interrupt.js';
import { type Output, processOutput } from './output.js';
import { oneLine } from './terminal-text.js';

/**
 * 0 pass or done, 1 the candidate (or the build) is bad, 130 interrupted (128 + SIGINT); an
 * interruption by SIGTERM is 143 and by SIGHUP 129 instead (`interruptedExitCode`, interrupt.ts).
 */
export const outcomeExitCodes = {
  done: exitCodes.pass.code,
  pass: exitCodes.pass.code,
  fail: exitCodes.fail.code,
  'bad-build': exitCodes.fail.code,
  interrupted: exitCodes.interrupted.code,
} as const satisfies Record<Outcome, number>;

/** The help's closing lines: every exit code from the one table, then where the commands' flags are. */
export function exitCodesHelpText(width = 100): string {
  const words = `Exit codes: ${exitCodesHelp()}. Run 'peakgate <command> --help' for a command's flags and examples.`;
  const lines: string[] = [];
  for (const word of words.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join('\n');
}

export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  const program = new Command('peakgate')
    .description('Load-simulation sandbox: gate a candidate build against a baseline under peak traffic.')
    .version(peakgateVersion)
    // "(Did you mean --rounds?)" for a mistyped flag or command; exit 2 like every usage error.
    // The message is printed once, by reportError, with its code (commander's own print is off).
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Examples:
  $ peakgate demo                                   # see a CPU regression caught (sample service)
  $ peakgate compare scenarios/peak.yaml --baseline shop:1.4.2 --candidate shop:1.5.0 --out peakgate-out
  $ peakgate report peakgate-out --out /tmp/again   # re-render (and re-judge) a saved run

${exitCodesHelpText()}`,
    )
    .configureOutput({
      writeOut: (s) => output.result(s),
      writeErr: (s) => output.error(s),
      // Subcommands inherit this: a usage error is said once, by reportError below.
      outputError: () => undefined,
    })
    .exitOverride();
  const outcome = registerCommands(program, output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    // No command ran (e.g. `peakgate` alone prints help through commander, which throws above).
    const ended = outcome() ?? 'done';
    return ended === 'interrupted' ? interruptedExitCode() : outcomeExitCodes[ended];
  } catch (error) {
    return reportError(error, output);
  }
}

/** Commander's message without its `error: ` prefix, on one line; help shown for no command. */
function usageMessage(error: CommanderError): string {
  if (error.code === 'commander.help') return 'no command given';
  return error.message
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\r?\n\s*/g, ' ');
}

function reportError(error: unknown, output: Output): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other commander error is a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0)
      return 0;
    // One line: what is wrong and the suggestion ("(Did you mean --rounds?)"), then the code a
    // script can match, like every other error; commander's own print of it is off.
    output.error(`peakgate: ${usageMessage(error)} [PG_ERR_OPTS_INVALID]`);
    if (error.code !== 'commander.help') output.error('(run with --help for usage)');
    return exitCodes.usage.code;
  }
  if (isPeakgateError(error)) {
    output.error(`peakgate: ${error.message} [${error.code}]`);
    // Each detail is one line (often a service's log line): its own line breaks are shown, not kept.
    for (const line of error.details) output.error(`  ${oneLine(line)}`);
    // 130 in the table; 143 when the signal was SIGTERM (the code is the same, the signal differs).
    return error.code === 'PG_ERR_INTERRUPTED' ? interruptedExitCode() : error.exitCode;
  }
  const internal = new PeakgateError('PG_ERR_INTERNAL', 'unexpected error (a bug in peakgate)', { cause: error });
  output.error(`peakgate: ${internal.message} [${internal.code}]`);
  output.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return internal.exitCode;
}
