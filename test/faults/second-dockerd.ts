/**
 * A second dockerd for tests that must stop an engine: its own unix socket, data root, exec root,
 * containerd namespace and bridge, no iptables, so stopping it disturbs nothing else. Never
 * `--bridge none` (a dockerd started with it deletes the host's docker0, which breaks every
 * bridge-networked container of the engine everyone else uses). Root only; `unavailable()` says
 * why not.
 */
import { type ChildProcess, execFileSync, execSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function secondDockerdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'a second dockerd needs root';
  for (const tool of ['dockerd', 'docker', 'ip']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

export function hasDocker0(): boolean {
  try {
    execFileSync('ip', ['link', 'show', 'docker0'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class SecondDockerd {
  private daemon: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';

  private constructor(
    readonly dir: string,
    readonly bridge: string,
    private readonly namespace: string,
  ) {}

  /** `unix://…/docker.sock`, for DOCKER_HOST. */
  get host(): string {
    return `unix://${join(this.dir, 'docker.sock')}`;
  }

  get pid(): number | undefined {
    return this.daemon?.pid;
  }

  /** Makes the bridge and starts the daemon; throws with the daemon's last words when it cannot. */
  static async create(tag: string): Promise<SecondDockerd> {
    const dir = await mkdtemp(join(tmpdir(), `peakgate-${tag}-dockerd-`));
    const id = process.pid % 100_000;
    const bridge = `pg${tag.slice(0, 6)}${id}`;
    execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge'], { stdio: 'ignore' });
    const engine = new SecondDockerd(dir, bridge, `pg-${tag}-${id}`);
    try {
      execFileSync('ip', ['addr', 'add', `10.253.${id % 250}.1/24`, 'dev', bridge], { stdio: 'ignore' });
      execFileSync('ip', ['link', 'set', bridge, 'up'], { stdio: 'ignore' });
      await engine.start();
    } catch (error) {
      await engine.dispose();
      throw error;
    }
    return engine;
  }

  /** Starts (or restarts) the daemon on the same data, socket and containerd namespace. */
  async start(): Promise<void> {
    // A daemon that was killed leaves its pid file, and a new one refuses to start beside it.
    await rm(join(this.dir, 'dockerd.pid'), { force: true });
    const daemon = spawn(
      'dockerd',
      [
        '-H',
        this.host,
        '--data-root',
        join(this.dir, 'data'),
        '--exec-root',
        join(this.dir, 'exec'),
        '--pidfile',
        join(this.dir, 'dockerd.pid'),
        '--bridge',
        this.bridge,
        '--iptables=false',
        '--ip-masq=false',
        '--ip-forward=false',
        '--containerd-namespace',
        this.namespace,
        '--containerd-plugins-namespace',
        `${this.namespace}-plugins`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    this.daemon = daemon;
    this.exited = new Promise((resolve) => daemon.once('exit', () => resolve()));
    daemon.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        this.docker(['info']);
        return;
      } catch {
        if (daemon.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `a second dockerd did not start: ${this.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Pids of containerd shims serving this daemon's namespace (read from /proc). */
  shimPids(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        const at = argv.indexOf('-namespace');
        if (argv[0]?.includes('containerd-shim') && at >= 0 && argv[at + 1] === this.namespace)
          pids.push(Number(entry));
      } catch {
        // gone, or not readable
      }
    }
    return pids;
  }

  /** Runs the docker CLI against this engine; returns stdout. */
  docker(args: string[]): string {
    return execFileSync('docker', args, {
      env: { ...process.env, DOCKER_HOST: this.host },
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  }

  /** Copies an image of the main engine into this one. */
  loadImage(image: string): void {
    execSync(`docker save ${image} | DOCKER_HOST=${this.host} docker load`, { stdio: 'ignore' });
  }

  /** Sends a signal to this daemon only, and waits (at most 30 s) until it is gone. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const daemon = this.daemon;
    if (daemon?.pid === undefined || daemon.exitCode !== null) return;
    daemon.kill(signal);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }

  /** Stops the daemon (its whole process group, containerd with it), unmounts, removes its folder and bridge. */
  async dispose(): Promise<void> {
    if (this.daemon?.pid !== undefined && this.daemon.exitCode === null) {
      try {
        process.kill(-this.daemon.pid, 'SIGTERM');
      } catch {
        // gone already
      }
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 20_000))]);
    }
    // Containers a SIGKILLed daemon left running keep their shims: end those of this daemon's
    // containerd namespace (and so their containers), by pid.
    for (const pid of this.shimPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const mounts = (await readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((target) => target.startsWith(`${this.dir}/`))
      .sort()
      .reverse();
    for (const target of mounts) {
      try {
        execFileSync('umount', ['-l', target], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    try {
      execFileSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' });
    } catch {
      // not made
    }
  }
}
