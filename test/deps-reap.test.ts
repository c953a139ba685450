/**
 * A dependency's private network outlives a SIGKILLed peakgate like its containers do; the next
 * reap removes it, by the same owner rules (full labels, a dead owner), and leaves a live
 * owner's network alone. `peakgate reap` says so, and names the containers it left alone and why.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDocker, reap } from '../packages/runtime/dist/index.js';
import { explainRun, runPeakgate } from './cli-support.js';
import { dockerMissingInCi, dockerOk, dockerSkipReason, firstLine, root, uniqueRunId } from './runtime-support.js';

const runtimeDist = path.join(root, 'packages/runtime/dist/index.js');
const OWNER = `
import { DockerDriver } from ${JSON.stringify(runtimeDist)};
const network = await new DockerDriver().createNetwork({ runId: process.env.OWNER_RUN, role: 'candidate', trial: 0 });
console.log(network.name);
setInterval(() => {}, 1000);
`;

async function networkExists(name: string): Promise<boolean> {
  try {
    await createDocker().getNetwork(name).inspect();
    return true;
  } catch {
    return false;
  }
}

it.runIf(dockerMissingInCi)('has a Docker engine in CI', () => {
  expect.fail(`CI=true but ${dockerSkipReason}: the network reap test must run in CI`);
});

describe.skipIf(!dockerOk)(`reap: dependency networks (skipped: ${dockerOk ? '-' : dockerSkipReason})`, () => {
  it('removes the network of a dead owner and keeps a live owner’s', async () => {
    const runId = uniqueRunId('net');
    const owner = spawn(process.execPath, ['--input-type=module', '-e', OWNER], {
      env: { ...process.env, OWNER_RUN: runId },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const name = (await firstLine(owner)).trim();
    expect(name).toBe(`peakgate-${runId}-candidate-0`);
    try {
      // Alive: not ours to remove.
      expect((await reap()).networks).not.toContain(name);
      expect(await networkExists(name)).toBe(true);
      const exited = once(owner, 'exit');
      owner.kill('SIGKILL');
      await exited;
      expect((await reap()).networks).toContain(name);
      expect(await networkExists(name)).toBe(false);
    } finally {
      owner.kill('SIGKILL');
      await createDocker()
        .getNetwork(name)
        .remove()
        .catch(() => undefined);
    }
  }, 60_000);

  it('`peakgate reap` lists the networks it removed and the containers it skipped', async () => {
    const runId = uniqueRunId('netcli');
    const owner = spawn(process.execPath, ['--input-type=module', '-e', OWNER], {
      env: { ...process.env, OWNER_RUN: runId },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const name = (await firstLine(owner)).trim();
    // Labelled managed but without owner labels: not ours to judge, so it is skipped and listed.
    const stray = `peakgate-stray-${runId}`;
    execFileSync('docker', [
      'create',
      '--name',
      stray,
      '--label',
      'peakgate.managed=true',
      'peakgate/node-base:local',
      'true',
    ]);
    try {
      const exited = once(owner, 'exit');
      owner.kill('SIGKILL');
      await exited;
      const run = await runPeakgate(['reap']);
      expect(run.code, explainRun(run)).toBe(0);
      expect(run.stderr).toContain(`removed network ${name}`);
      expect(run.stderr).toMatch(new RegExp(`skipped container ${stray}: its owner labels are missing`));
      expect(run.stdout).toMatch(/reaped (?:.*, )?[1-9]\d* networks?.*; skipped [1-9]\d* containers?/);
      expect(await networkExists(name)).toBe(false);
    } finally {
      owner.kill('SIGKILL');
      execFileSync('docker', ['rm', '-f', stray], { stdio: 'ignore' });
      await createDocker()
        .getNetwork(name)
        .remove()
        .catch(() => undefined);
    }
  }, 60_000);
});
