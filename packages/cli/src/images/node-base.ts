/**
 * peakgate/node-base:local without a registry: a root filesystem of the running `node` binary, the
 * shared libraries `ldd` lists for it (and the dynamic loader), /etc/passwd with root and node
 * (uid 1000), /tmp, built `FROM scratch`. The same image docker/build-images.sh imports from a
 * tarball in a checkout; here it is a Dockerfile build through the engine's API, so no shell, tar
 * or docker CLI is needed. Rebuilt only when missing or when its `peakgate.node-version` label is
 * not the running Node's version (or when forced).
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PeakgateError } from '@peakgate/core';
import type { Docker } from '@peakgate/runtime';
import { buildImage } from './engine-build.js';

export const LOCAL_BASE = 'peakgate/node-base:local';
export const NODE_VERSION_LABEL = 'peakgate.node-version';

const run = promisify(execFile);

/** The absolute paths in `ldd` output: "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)" and the loader line. */
export function lddPaths(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === '=>' && fields[2]?.startsWith('/')) paths.add(fields[2]);
    else if (fields[0]?.startsWith('/')) paths.add(fields[0]);
  }
  return [...paths].sort();
}

async function currentLabel(docker: Docker): Promise<string | undefined> {
  try {
    const info = await docker.getImage(LOCAL_BASE).inspect();
    return info.Config?.Labels?.[NODE_VERSION_LABEL];
  } catch (error) {
    const { isUnreachable, unreachableError } = await import('@peakgate/runtime');
    if (isUnreachable(error)) throw unreachableError(docker, error);
    return undefined;
  }
}

/** Builds LOCAL_BASE from process.execPath unless it is current; never leaves its temporary folder behind. */
export async function buildNodeBase(
  docker: Docker,
  options: { force: boolean; onInfo: (line: string) => void },
): Promise<void> {
  const nodeBin = realpathSync(process.execPath);
  const version = process.version;
  if (!options.force && (await currentLabel(docker)) === version) {
    options.onInfo(`${LOCAL_BASE} is current (node ${version}); skipping`);
    return;
  }
  let ldd: string;
  try {
    ldd = (await run('ldd', [nodeBin], { encoding: 'utf8', timeout: 10_000 })).stdout;
  } catch (error) {
    // A statically linked node: ldd says "not a dynamic executable" and exits 1; nothing to copy.
    const stdout = (error as { stdout?: string; stderr?: string }).stderr ?? '';
    if (!/not a dynamic executable|statically linked/.test(stdout))
      throw new PeakgateError(
        'PG_ERR_RUNTIME_IMAGE_BUILD',
        `cannot list the libraries of ${nodeBin} with ldd (${(error as Error).message}); give a base image instead: peakgate images --base node:20-slim`,
        { cause: error },
      );
    ldd = '';
  }
  options.onInfo(`building ${LOCAL_BASE} from ${nodeBin} (${version})`);
  const work = mkdtempSync(path.join(tmpdir(), 'peakgate-node-base-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    for (const dir of ['usr/local/bin', 'etc', 'tmp', 'app']) mkdirSync(path.join(rootfs, dir), { recursive: true });
    chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    copyFileSync(nodeBin, path.join(rootfs, 'usr/local/bin/node'));
    chmodSync(path.join(rootfs, 'usr/local/bin/node'), 0o755);
    for (const lib of lddPaths(ldd)) {
      mkdirSync(path.join(rootfs, path.dirname(lib)), { recursive: true });
      // copyFileSync follows symbolic links: the library's contents land at the path ldd named.
      copyFileSync(lib, path.join(rootfs, lib));
    }
    writeFileSync(
      path.join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000:node:/home/node:/usr/sbin/nologin\n',
    );
    writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    writeFileSync(path.join(rootfs, 'etc/nsswitch.conf'), 'hosts: files dns\n');
    // node's home, owned by uid 1000: COPY --chown creates it so (COPY alone would make it root's).
    mkdirSync(path.join(work, 'home'));
    writeFileSync(path.join(work, 'home', '.keep'), '');
    writeFileSync(
      path.join(work, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'COPY --chown=1000:1000 home/ /home/node/',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/node',
        `LABEL ${NODE_VERSION_LABEL}=${version}`,
        'CMD ["node"]',
        '',
      ].join('\n'),
    );
    await buildImage(docker, {
      context: work,
      files: ['Dockerfile', 'rootfs', 'home'],
      dockerfile: 'Dockerfile',
      tag: LOCAL_BASE,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  await assertBaseRunsNode(docker);
}

/** Runs `node -e 0` in the new base; a library ldd did not list would show here, not in the demo. */
async function assertBaseRunsNode(docker: Docker): Promise<void> {
  const container = await docker.createContainer({
    Image: LOCAL_BASE,
    Cmd: ['node', '-e', 'process.exit(0)'],
    HostConfig: { NetworkMode: 'none' },
  });
  let status: number;
  try {
    await container.start();
    status = ((await container.wait()) as { StatusCode: number }).StatusCode;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
  if (status !== 0) {
    // Not left behind: its label would make the next run skip the rebuild.
    await docker
      .getImage(LOCAL_BASE)
      .remove({ force: true })
      .catch(() => undefined);
    throw new PeakgateError(
      'PG_ERR_RUNTIME_IMAGE_BUILD',
      `${LOCAL_BASE} does not run node (exit ${status}): a library ldd did not list is missing; give a base image instead: peakgate images --base node:20-slim`,
    );
  }
}
