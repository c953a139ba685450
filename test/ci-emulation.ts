/**
 * Runs the shell steps of a GitHub workflow (and of the composite action it uses) and of a GitLab
 * job the way those systems do, for test/ship-user-repo.test.ts: each `run:`/`script` string as
 * written, with `bash -e` (GitHub: `bash --noprofile --norc -eo pipefail`, what `shell: bash` means)
 * or `sh -e`, and the variables the runners set (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP,
 * CI_PROJECT_DIR, CI=true …) pointing into a temporary folder.
 *
 * Expressions: only `${{ inputs.NAME }}`, `${{ runner.temp }}` and `${{ steps.ID.outputs.NAME }}`
 * are evaluated; any other expression throws, so a workflow that needs more fails the test rather
 * than running differently here. `uses:` steps other than the peakgate action are handed to the
 * caller's `emulate` (checkout, setup-node, upload-artifact).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface StepRun {
  name: string;
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

interface ActionStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
  if?: string;
  'working-directory'?: string;
}

interface Context {
  inputs: Record<string, string>;
  runnerTemp: string;
  steps: Map<string, Record<string, string>>;
}

export function evaluate(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    let match = /^inputs\.([\w-]+)$/.exec(expression);
    if (match !== null) return context.inputs[match[1] as string] ?? '';
    if (expression === 'runner.temp') return context.runnerTemp;
    match = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
    if (match !== null) return context.steps.get(match[1] as string)?.[match[2] as string] ?? '';
    throw new Error(`the emulation does not evaluate \${{ ${expression} }}`);
  });
}

/** `name=value` lines and `name<<EOF` blocks, as GitHub reads GITHUB_OUTPUT. */
export function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([\w-]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const end = lines.indexOf(heredoc[2] as string, i + 1);
      outputs[heredoc[1] as string] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

export interface RunnerEnv {
  /** The job's environment: PATH, HOME, GITHUB_WORKSPACE, RUNNER_TEMP, … */
  env: NodeJS.ProcessEnv;
  workspace: string;
  runnerTemp: string;
  timeoutMs: number;
}

let stepCount = 0;

/** One `run:` step: a script file run by bash -e with a fresh GITHUB_OUTPUT and step summary. */
export function runShellStep(
  name: string,
  script: string,
  stepEnv: Record<string, string>,
  cwd: string,
  runner: RunnerEnv,
  shell: 'github-bash' | 'bash' | 'sh' = 'github-bash',
): StepRun {
  stepCount += 1;
  const files = path.join(runner.runnerTemp, '_runner_file_commands');
  mkdirSync(files, { recursive: true });
  const output = path.join(files, `set_output_${stepCount}`);
  const summary = path.join(files, `step_summary_${stepCount}`);
  const scriptFile = path.join(runner.runnerTemp, `step-${stepCount}.sh`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  writeFileSync(scriptFile, script);
  const command =
    shell === 'github-bash'
      ? ['bash', '--noprofile', '--norc', '-eo', 'pipefail', scriptFile]
      : shell === 'bash'
        ? ['bash', '-e', scriptFile]
        : ['sh', '-e', scriptFile];
  const result = spawnSync(command[0] as string, command.slice(1), {
    cwd,
    env: { ...runner.env, ...stepEnv, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
    encoding: 'utf8',
    timeout: runner.timeoutMs,
    killSignal: 'SIGTERM',
  });
  return {
    name,
    code: result.status ?? (result.signal === null ? -1 : 128),
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: readOutputs(output),
    summary: readFileSync(summary, 'utf8'),
  };
}

export interface ActionRun {
  steps: StepRun[];
  code: number;
  outputs: Record<string, string>;
}

/** The composite action at actionFile with the inputs a workflow's `with:` passes (defaults filled in). */
export function runCompositeAction(
  actionFile: string,
  withInputs: Record<string, string>,
  runner: RunnerEnv,
  /** Step ids to run; all steps when absent (a test of one step's shell alone). */
  only?: readonly string[],
): ActionRun {
  const action = parse(readFileSync(actionFile, 'utf8')) as {
    inputs: Record<string, { default?: string; required?: boolean }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: ActionStep[] };
  };
  if (action.runs.using !== 'composite') throw new Error(`not a composite action: ${action.runs.using}`);
  for (const name of Object.keys(withInputs))
    if (!(name in action.inputs)) throw new Error(`the action has no input "${name}"`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const given = withInputs[name];
    if (given === undefined && spec.required === true) throw new Error(`input ${name} is required`);
    inputs[name] = given ?? String(spec.default ?? '');
  }
  const context: Context = { inputs, runnerTemp: runner.runnerTemp, steps: new Map() };
  const steps: StepRun[] = [];
  let code = 0;
  for (const step of action.runs.steps) {
    if (only !== undefined && !only.includes(step.id ?? '')) continue;
    if (code !== 0 && step.if !== 'always()') continue;
    if (step.run === undefined) throw new Error(`the action's step "${step.name}" is not a run: step`);
    if (step.shell !== 'bash') throw new Error(`the action's step "${step.name}" must say shell: bash`);
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), context)]));
    const cwd = path.resolve(runner.workspace, evaluate(step['working-directory'] ?? '.', context));
    const ran = runShellStep(step.name ?? 'step', evaluate(step.run, context), env, cwd, {
      ...runner,
      env: { ...runner.env, GITHUB_ACTION_PATH: path.dirname(actionFile) },
    });
    steps.push(ran);
    if (step.id !== undefined) context.steps.set(step.id, ran.outputs);
    if (ran.code !== 0 && code === 0) code = ran.code;
  }
  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([name, spec]) => [name, evaluate(spec.value, context)]),
  );
  return { steps, code, outputs };
}

export interface WorkflowRun {
  steps: StepRun[];
  action?: ActionRun;
  emulated: string[];
  /** The job's result: the first failing step's exit code, 0 when none failed. */
  code: number;
}

/**
 * The first job of a workflow. `actionFile` stands for `uses: peakgate/peakgate@…`; `override`
 * adds inputs to its `with:` (e.g. a tarball); `emulate` handles the other `uses:` steps.
 */
export function runWorkflow(
  workflowFile: string,
  runner: RunnerEnv,
  actionFile: string,
  override: Record<string, string>,
  emulate: (uses: string, withInputs: Record<string, string>) => void,
): WorkflowRun {
  const workflow = parse(readFileSync(workflowFile, 'utf8')) as { jobs: Record<string, { steps: ActionStep[] }> };
  const job = Object.values(workflow.jobs)[0];
  if (job === undefined) throw new Error('the workflow has no job');
  const context: Context = { inputs: {}, runnerTemp: runner.runnerTemp, steps: new Map() };
  const run: WorkflowRun = { steps: [], emulated: [], code: 0 };
  for (const step of job.steps) {
    if (run.code !== 0 && step.if !== 'always()') continue;
    const withInputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), context)]),
    );
    if (step.uses?.startsWith('peakgate/peakgate@')) {
      const action = runCompositeAction(actionFile, { ...withInputs, ...override }, runner);
      run.action = action;
      run.steps.push(...action.steps);
      if (step.id !== undefined) context.steps.set(step.id, action.outputs);
      if (action.code !== 0 && run.code === 0) run.code = action.code;
    } else if (step.uses !== undefined) {
      emulate(step.uses, withInputs);
      run.emulated.push(step.uses);
    } else if (step.run !== undefined) {
      const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), context)]));
      // A run: step without shell: is `bash -e {0}` on Linux runners.
      const ran = runShellStep(step.name ?? 'run', evaluate(step.run, context), env, runner.workspace, runner, 'bash');
      run.steps.push(ran);
      if (ran.code !== 0 && run.code === 0) run.code = ran.code;
    }
  }
  return run;
}
