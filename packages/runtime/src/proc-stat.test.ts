import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processTree, readProcStat, treeUsage } from './proc-stat.js';

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
});
