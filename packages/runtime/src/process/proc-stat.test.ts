import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { listProcStats, liveGroupMembers, processTree, readProcStat, treeUsage } from './proc-stat.js';

describe.skipIf(process.platform !== 'linux')('proc-stat', () => {
  it('reads this process, including a comm with spaces and parentheses', () => {
    const stat = readProcStat(process.pid);
    expect(stat?.pid).toBe(process.pid);
    expect(stat?.ppid).toBe(process.ppid);
    expect(stat?.startTicks).toBeGreaterThan(0);
    expect(stat?.rssPages).toBeGreaterThan(0);
    expect(readProcStat(2 ** 30)).toBeUndefined();
  });

  it('counts the CPU of children, live and reaped, in the tree of a detached session', async () => {
    // Each child burns 400 ms of its own CPU time. The first is waited for (its time moves to the
    // shell's cutime); the second burns, then stays alive. Only counting both passes 0.7 s (one alone, with start-up, stays near 0.45 s).
    const burn = (then: string) =>
      `node -e "const s=process.cpuUsage(); while (process.cpuUsage(s).user < 4e5) {} ${then}"`;
    const child = spawn('/bin/sh', ['-c', `${burn('')}; ${burn('setTimeout(() => {}, 20000)')}`], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = child.pid as number;
    try {
      const deadline = Date.now() + 15_000;
      let usage = treeUsage(pid);
      while (usage.cpuNanos <= 0.7e9 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        usage = treeUsage(pid);
      }
      expect(usage.cpuNanos).toBeGreaterThan(0.7e9);
      expect(processTree(pid).length).toBe(2);
    } finally {
      process.kill(-pid, 'SIGKILL');
      await once(child, 'exit');
    }
  }, 20_000);

  it("leaves zombies out of a group's live members", async () => {
    // `sleep 0.01 &` then `exec sleep 30`: the short sleep's parent becomes a program that never
    // waits, so it stays a zombie in the group beside the live leader.
    const child = spawn('/bin/sh', ['-c', 'sleep 0.01 & exec sleep 30'], { detached: true, stdio: 'ignore' });
    const pgid = child.pid as number;
    try {
      const inGroup = () => listGroup(pgid);
      const deadline = Date.now() + 5000;
      while (!inGroup().some((stat) => stat.state === 'Z') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(
        inGroup()
          .map((stat) => stat.state)
          .sort(),
      ).toEqual(['S', 'Z']);
      expect(liveGroupMembers(pgid).map((stat) => stat.pid)).toEqual([pgid]);
    } finally {
      process.kill(-pgid, 'SIGKILL');
      await once(child, 'exit');
    }
    expect(liveGroupMembers(pgid)).toEqual([]);
  }, 10_000);
});

function listGroup(pgid: number) {
  return listProcStats().filter((stat) => stat.pgrp === pgid);
}
