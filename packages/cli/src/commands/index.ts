import type { Command } from 'commander';
import { addEnvOption, ENV_FLAG_COMMANDS, openEnvDoorFromFlags } from '../env-flag.js';
import type { Output } from '../output.js';
import type { Outcome, PeakgateCommand } from './command.js';
import { compareCommand } from './compare.js';
import { demoCommand } from './demo.js';
import { helpExamples } from './help-examples.js';
import { imagesCommand } from './images.js';
import { initCommand } from './init.js';
import { reapCommand } from './reap.js';
import { renderCommand } from './render.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { validateCommand } from './validate.js';

const commands: readonly PeakgateCommand[] = [
  validateCommand,
  runCommand,
  compareCommand,
  replayCommand,
  demoCommand,
  reportCommand,
  reapCommand,
  renderCommand,
  serveCommand,
  imagesCommand,
  initCommand,
];

/**
 * Adds every command to the program. Each lives in its own module; heavy modules (dockerode,
 * piscina) load lazily inside run. Returns what the command that ran ended with, for main to map.
 */
export function registerCommands(program: Command, output: Output): () => Outcome | undefined {
  let outcome: Outcome | undefined;
  for (const command of commands) {
    const defined = command.define(program);
    if (ENV_FLAG_COMMANDS.has(defined.name())) addEnvOption(defined);
    const examples = helpExamples(defined.name());
    if (examples !== undefined) defined.addHelpText('after', examples);
    defined.action(async () => {
      // Before the command runs: the scenario's {{env NAME}} reads only what --env handed in.
      await openEnvDoorFromFlags(defined.opts(), output);
      outcome = await command.run({ args: defined.processedArgs as string[], flags: defined.opts(), output });
    });
  }
  return () => outcome;
}
