/**
 * `--env NAME` (repeatable): the only way a scenario's `{{env NAME}}` placeholders can read a
 * variable. Added to every command that runs or validates a scenario (compare, run, demo, validate,
 * and serve for the API's scenarios); the action opens core's env door with the names before the
 * command runs, and from then on every value handed in is masked (`***`) on stdout and stderr.
 *
 * No prefix (say `PEAKGATE_SCENARIO_*`) is readable without naming it: a prefix would let a CI
 * runner's environment, which other steps and tools also write, decide what a scenario from the
 * pull request may read. One explicit flag per variable keeps the decision with the person running
 * peakgate.
 */
import { MIN_MASKED_LENGTH, openEnvDoor, tooShortToMask } from '@peakgate/core';
import type { Command } from 'commander';
import type { Output } from './output.js';
import { maskProcessStreams } from './secret-streams.js';

/** Commands whose scenarios may read handed-in variables. */
export const ENV_FLAG_COMMANDS: ReadonlySet<string> = new Set(['compare', 'run', 'demo', 'validate', 'serve']);
/** Commands that start process builds: `--inherit-env` gives those builds peakgate's whole environment. */
export const INHERIT_ENV_COMMANDS: ReadonlySet<string> = new Set(['compare', 'run', 'demo']);

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `--env NAME` (and, where builds start, `--inherit-env`) to a command. */
export function addEnvOption(command: Command): void {
  if (INHERIT_ENV_COMMANDS.has(command.name()))
    command.option(
      '--inherit-env',
      "process driver: give the builds peakgate's whole environment (CI secrets included); without it a build gets only PATH, HOME, LANG, the scenario's env and PORT",
    );
  const whose = command.name() === 'serve' ? "the API's scenarios" : 'the scenario';
  command.option(
    '--env <NAME>',
    `hand environment variable NAME to ${whose} ({{env NAME}}; repeatable); nothing else is readable, and the value is shown as *** in every output`,
    collect,
  );
}

/**
 * Applies `--inherit-env`, then opens the door with the command's `--env` names (read from `process.env` now, once) and masks
 * their values on the process's stdout and stderr. Warns about a value too short to mask.
 */
export async function openEnvDoorFromFlags(flags: Record<string, unknown>, output: Output): Promise<void> {
  if (flags.inheritEnv === true) {
    const { allowBuildEnvInheritance } = await import('@peakgate/runtime');
    allowBuildEnvInheritance(true);
  }
  const names = Array.isArray(flags.env) ? flags.env.filter((name): name is string => typeof name === 'string') : [];
  if (names.length === 0) return;
  openEnvDoor(names, process.env);
  maskProcessStreams();
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined && value !== '' && tooShortToMask(value))
      output.info(
        `peakgate: note: the value of ${name} is shorter than ${MIN_MASKED_LENGTH} characters, too short to be masked in output`,
      );
  }
}
