/**
 * `peakgate validate <scenario> [--json]`: checks a scenario file without starting anything.
 * Valid: a one-line summary on stdout (or, with --json, the resolved scenario). Invalid: the loader's
 * error propagates to main, which prints one `file:line:col  path  message` line per problem and exits 2.
 */
import { assertEnvAllowed, formatDuration, loadScenarioFile, type Scenario } from '@peakgate/core';
import type { Command } from 'commander';
import { oneLine } from '../terminal-text.js';
import type { PeakgateCommand } from './command.js';

interface ValidateFlags {
  json?: boolean;
}

export const validateCommand: PeakgateCommand<ValidateFlags> = {
  define: (program: Command) =>
    program
      .command('validate')
      .description('check a scenario file (YAML or JSON) and print what it resolves to')
      .argument('<scenario>', 'scenario file')
      .option('--json', 'print the resolved scenario (defaults applied, units normalised) as JSON'),
  async run({ args: [file = ''], flags, output }) {
    const scenario = await loadScenarioFile(file);
    // Only whether each {{env NAME}} was handed in (--env NAME): validate needs no value.
    assertEnvAllowed(scenario.load.requests);
    output.result(flags.json === true ? `${JSON.stringify(scenario, null, 2)}\n` : summary(file, scenario));
    return 'done';
  },
};

/** `✓ file: scenario "name" is valid (2 phases, 3 request kinds, total duration 33s)` */
export function summary(file: string, scenario: Scenario): string {
  const { phases, requests, warmup } = scenario.load;
  const totalMs = phases.reduce((sum, phase) => sum + phase.durationMs, warmup?.durationMs ?? 0);
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const warm = warmup === undefined ? '' : ` incl. ${formatDuration(warmup.durationMs)} warm-up`;
  return `✓ ${file}: scenario "${oneLine(scenario.name)}" is valid (${count(phases.length, 'phase')}, ${count(requests.length, 'request kind')}, total duration ${formatDuration(totalMs)}${warm})`;
}
