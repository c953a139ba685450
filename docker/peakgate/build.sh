#!/usr/bin/env bash
# Builds peakgate/peakgate:<version> (entrypoint the CLI) and peakgate/load:local (the same layers,
# entrypoint the Swarm load shard) from the release tarball, dist/peakgate-<version>.tgz, which
# `pnpm pack:release` makes first. The tarball is installed as `npm i -g` would on a user's machine
# (third-party dependencies from npm's cache, else the npm registry: no image registry is needed),
# into a temporary usr/local tree that is the whole build context. Called by
# docker/build-images.sh; BASE_IMAGE and DOCKER as there. PEAKGATE_TARBALL=FILE uses that tarball
# instead of packing one.
set -euo pipefail
cd "$(dirname "$0")/../.."
DOCKER=${DOCKER:-docker}
BASE_IMAGE=${BASE_IMAGE:-peakgate/node-base:local}

log() { printf 'images: %s\n' "$*" >&2; }
die() { printf 'images: error: %s\n' "$*" >&2; exit 1; }

version=$(node -p "require('./packages/cli/package.json').version")
tarball=${PEAKGATE_TARBALL:-}
if [[ -z $tarball ]]; then
  # Repacked every time: the image must be the code of this checkout (tsc -b does nothing when
  # current; docker/build-images.sh has bundled the sample balancer the package ships).
  pnpm exec tsc -b packages/cli packages/server || die "cannot compile peakgate (pnpm install first?)"
  node scripts/pack-release.mjs --skip-build >/dev/null || die "pnpm pack:release failed"
  tarball=dist/peakgate-$version.tgz
fi
[[ -f $tarball ]] || die "no release tarball at $tarball"
image=peakgate/peakgate:$version

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
context=$work/context
mkdir -p "$context/usr/local"
if ! npm install --global --prefix "$context/usr/local" --omit=dev --no-audit --no-fund --prefer-offline \
  --loglevel=error --update-notifier=false "$(realpath "$tarball")" >"$work/npm.log" 2>&1; then
  cat "$work/npm.log" >&2
  die "npm could not install $tarball (the npm registry or npm's cache must hold its dependencies)"
fi
[[ -f $context/usr/local/lib/node_modules/peakgate/bin/peakgate.js ]] || die "npm left no peakgate in the image's context"
cp docker/peakgate/Dockerfile "$context/Dockerfile"
# A shell for CI systems that run a job's script inside the image (GitLab's docker executor needs
# `sh`). The offline base (labelled with its node version) has none: it gets the host's /bin/sh,
# which links only against libc, as node does. A registry base such as node:20-slim has its own.
mkdir -p "$context/shell"
if [[ -n $("$DOCKER" image inspect --format '{{index .Config.Labels "peakgate.node-version"}}' "$BASE_IMAGE" 2>/dev/null) ]]; then
  mkdir -p "$context/shell/bin"
  cp -L /bin/sh "$context/shell/bin/sh"
  ldd /bin/sh | grep -qvE 'linux-vdso|libc\.so|ld-linux' && die "/bin/sh needs more than libc; the offline image cannot carry it"
fi
for target in peakgate load; do
  tag=$image
  [[ $target == load ]] && tag=peakgate/load:local
  log "building $tag (base $BASE_IMAGE, from $tarball)"
  if ! "$DOCKER" build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --target "$target" \
    --label "peakgate.image=$target" --label "peakgate.version=$version" \
    -t "$tag" "$context" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    die "docker build of $tag failed (base $BASE_IMAGE)"
  fi
done
if ! out=$("$DOCKER" run --rm --network none "$image" --version 2>&1) || [[ $out != "$version" ]]; then
  die "$image does not run: \`peakgate --version\` printed \"$out\", expected $version"
fi
size=$("$DOCKER" image inspect --format '{{.Size}}' "$image")
log "built $image and peakgate/load:local (one image, two entrypoints): $((size / 1000000)) MB, of which peakgate $(du -sh --apparent-size "$context/usr/local/lib/node_modules/peakgate" | cut -f1)"
