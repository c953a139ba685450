#!/usr/bin/env node
/**
 * `pnpm pack:release`: makes the one installable npm package, `peakgate`, as
 * dist/peakgate-<version>.tgz (docs/install.md).
 *
 * The workspace packages are private and depend on each other by `workspace:*`, which no registry
 * can resolve. So their compiled code (tsc's dist/, built by `pnpm build` first) is bundled by
 * esbuild into a few ESM files: the CLI (dist/main.js), the piscina load worker
 * (dist/load-worker.js, which run-load.ts finds beside itself by `new URL('./load-worker.js',
 * import.meta.url)`), the Swarm shard entry (dist/shard-main.js) and shared chunks, all in one
 * flat folder so every `import.meta.url`-relative path still holds. Third-party libraries stay
 * external: they become ordinary `dependencies`, pinned to the versions pnpm-lock.yaml resolved
 * for the workspace packages. A bare import that is neither a workspace package nor a declared
 * dependency fails the build (it would be missing after `npm i`).
 *
 * Files read at run time ship at the same relative paths as in a checkout, so code that finds
 * them from the install root works in both: scenarios/ (the demo scenario and the JSON Schema),
 * docker/services/{balancer,kv} (the sample builds: Dockerfiles, bundled server, kv sources),
 * docker/peakgate/Dockerfile (the peakgate image), docker/grafana and docker/prometheus (the
 * dashboard stack docs/server.md points to). core's version.ts reads `../package.json`, which from
 * dist/ is this package's manifest: its version is the workspace's.
 *
 * Options: --skip-build (the caller ran `pnpm build`), --out DIR (default dist/).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
if (outIndex >= 0 && (args[outIndex + 1] === undefined || args[outIndex + 1].startsWith('--'))) {
  process.stderr.write(
    'pack:release: error: --out needs a folder\nusage: node scripts/pack-release.mjs [--skip-build] [--out DIR]\n',
  );
  process.exit(2);
}
const outDir = path.resolve(root, outIndex >= 0 ? args[outIndex + 1] : 'dist');

/** The workspace packages that go into the bundle, with the third-party dependencies they declare. */
const WORKSPACE = ['core', 'loadgen', 'runtime', 'controller', 'replay', 'server', 'cli'];

function log(text) {
  process.stderr.write(`pack:release: ${text}\n`);
}

function die(text) {
  process.stderr.write(`pack:release: error: ${text}\n`);
  process.exit(1);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

if (!args.includes('--skip-build')) {
  log('pnpm build');
  try {
    execFileSync('pnpm', ['--reporter=append-only', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    die('pnpm build failed (its errors are above)');
  }
}

// One version for the package: every workspace package's (they move together).
const versions = new Set(WORKSPACE.map((name) => readJson(path.join(root, 'packages', name, 'package.json')).version));
if (versions.size !== 1) die(`the workspace packages disagree on their version: ${[...versions].join(', ')}`);
const [version] = versions;

// Third-party dependencies, pinned to what the lockfile resolved for each workspace package.
const lock = parse(readFileSync(path.join(root, 'pnpm-lock.yaml'), 'utf8'));
const dependencies = {};
for (const name of WORKSPACE) {
  const importer = lock.importers?.[`packages/${name}`];
  if (importer === undefined) die(`pnpm-lock.yaml has no importer packages/${name}; run pnpm install`);
  for (const [dep, entry] of Object.entries(importer.dependencies ?? {})) {
    if (String(entry.specifier).startsWith('workspace:')) continue;
    // "3.1.3(bare-buffer@3.7.3)": the peer-dependency suffix is pnpm's, not part of the version.
    const pinned = String(entry.version).replace(/\(.*$/, '');
    if (!/^\d+\.\d+\.\d+/.test(pinned)) die(`packages/${name}: ${dep} resolves to "${entry.version}", not a version`);
    if (dependencies[dep] !== undefined && dependencies[dep] !== pinned)
      die(`${dep} is ${dependencies[dep]} in one workspace package and ${pinned} in packages/${name}`);
    dependencies[dep] = pinned;
  }
}
const sortedDependencies = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));

const stage = mkdtempSync(path.join(tmpdir(), 'peakgate-pack-'));
try {
  const pkg = path.join(stage, 'package');
  mkdirSync(pkg);

  // The code: workspace packages bundled, third-party imports left to node_modules.
  const entries = {
    main: path.join(root, 'packages/cli/dist/main.js'),
    'load-worker': path.join(root, 'packages/loadgen/dist/load-worker.js'),
    'shard-main': path.join(root, 'packages/loadgen/dist/shard-main.js'),
  };
  for (const file of Object.values(entries)) if (!existsSync(file)) die(`${file} is missing; run pnpm build`);
  const external = new Set(Object.keys(dependencies));
  const undeclared = new Set();
  const result = await build({
    entryPoints: entries,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: path.join(pkg, 'dist'),
    entryNames: '[name]',
    // Chunks beside the entries: run-load's `new URL('./load-worker.js', import.meta.url)` must
    // resolve from whichever chunk its code lands in.
    chunkNames: '[name]-[hash]',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [
      {
        name: 'third-party-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (resolveArgs) => {
            const spec = resolveArgs.path;
            if (spec.startsWith('node:') || spec.startsWith('@peakgate/')) return undefined;
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
            if (external.has(name)) return { path: spec, external: true };
            // A Node builtin without the node: prefix (esbuild's platform node marks those external).
            if (builtinModules.includes(spec)) return undefined;
            undeclared.add(`${spec} (imported by ${path.relative(root, resolveArgs.importer)})`);
            return { path: spec, external: true };
          });
        },
      },
    ],
  }).catch(() => die('esbuild could not bundle the compiled packages (its errors are above; pnpm build first?)'));
  if (undeclared.size > 0) die(`imports no workspace package declares as a dependency: ${[...undeclared].join(', ')}`);

  // The bin: the same two lines as packages/cli/bin/peakgate.js, against the bundle.
  mkdirSync(path.join(pkg, 'bin'));
  cpSync(path.join(root, 'packages/cli/bin/peakgate.js'), path.join(pkg, 'bin/peakgate.js'));

  // Files read at run time, at their checkout paths.
  const copy = (from, filter) =>
    cpSync(path.join(root, from), path.join(pkg, from), { recursive: true, ...(filter ? { filter } : {}) });
  mkdirSync(path.join(pkg, 'scenarios'));
  for (const file of readdirSync(path.join(root, 'scenarios')))
    if (/\.(ya?ml|json)$/.test(file)) copy(`scenarios/${file}`);
  const balancerServer = 'docker/services/balancer/dist/server.js';
  if (!existsSync(path.join(root, balancerServer))) die(`${balancerServer} is missing; run pnpm build`);
  for (const file of ['Dockerfile', '.dockerignore', 'dist/server.js']) copy(`docker/services/balancer/${file}`);
  for (const file of ['Dockerfile.api', 'Dockerfile.store', 'api.cjs', 'store.cjs']) copy(`docker/services/kv/${file}`);
  copy('docker/peakgate/Dockerfile');
  copy('docker/grafana');
  copy('docker/prometheus');
  copy('docker/compose.yaml');
  cpSync(path.join(root, 'packages/cli/release/README.md'), path.join(pkg, 'README.md'));

  const manifest = {
    name: 'peakgate',
    version,
    description: 'Load-simulation release gate: compares a candidate build against a baseline under peak traffic',
    type: 'module',
    bin: { peakgate: './bin/peakgate.js' },
    engines: readJson(path.join(root, 'package.json')).engines,
    files: ['bin', 'dist', 'scenarios', 'docker', 'README.md'],
    dependencies: sortedDependencies,
  };
  writeFileSync(path.join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  mkdirSync(outDir, { recursive: true });
  const tarball = path.join(outDir, `peakgate-${version}.tgz`);
  rmSync(tarball, { force: true });
  // npm pack, not pnpm: the manifest has nothing pnpm-specific, and npm is what users install with.
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
      cwd: pkg,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' },
    }),
  )[0];
  const bundleBytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  log(
    `wrote ${path.relative(process.cwd(), tarball) || tarball}: ${packed.entryCount} files, ` +
      `${(packed.size / 1e6).toFixed(2)} MB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked ` +
      `(bundled code ${(bundleBytes / 1e6).toFixed(2)} MB), ${Object.keys(dependencies).length} dependencies`,
  );
  process.stdout.write(`${tarball}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
