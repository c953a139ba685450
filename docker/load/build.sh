#!/usr/bin/env bash
# Builds peakgate/load:local, the image every Swarm load shard runs: @peakgate/loadgen (and
# @peakgate/core) compiled, with their production dependencies as `pnpm deploy` lays them out,
# taken from the pnpm store (--prefer-offline: deploy re-resolves, and a frozen-lockfile install
# leaves no registry metadata for --offline to use). Called by
# docker/build-images.sh; BASE_IMAGE and DOCKER as there.
set -euo pipefail
cd "$(dirname "$0")/../.."
DOCKER=${DOCKER:-docker}
BASE_IMAGE=${BASE_IMAGE:-peakgate/node-base:local}
IMAGE=peakgate/load:local

log() { printf 'images: %s\n' "$*" >&2; }
die() { printf 'images: error: %s\n' "$*" >&2; exit 1; }

# The compiled packages are what the image gets; tsc -b does nothing when they are current.
pnpm exec tsc -b packages/loadgen || die "cannot compile @peakgate/loadgen (pnpm install first?)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
context=$work/context
mkdir "$context"
# --legacy: deploy without inject-workspace-packages; @peakgate/core is copied in as a package
# (its "files": dist), not linked to the workspace.
if ! pnpm --filter @peakgate/loadgen deploy --prod --legacy --prefer-offline --reporter=append-only \
  "$context/app" >"$work/deploy.log" 2>&1; then
  cat "$work/deploy.log" >&2
  die "pnpm deploy of @peakgate/loadgen failed (is the pnpm store complete? run pnpm install once online)"
fi
[[ -f $context/app/dist/index.js ]] || die "pnpm deploy left no dist/index.js in the load image's context"
cp docker/load/Dockerfile "$context/Dockerfile"
log "building $IMAGE (base $BASE_IMAGE)"
if ! "$DOCKER" build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --label peakgate.image=load \
  -t "$IMAGE" "$context" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  die "docker build of $IMAGE failed (base $BASE_IMAGE)"
fi
size=$("$DOCKER" image inspect --format '{{.Size}}' "$IMAGE")
log "built $IMAGE: $((size / 1000000)) MB, of which /app $(du -sh --apparent-size "$context/app" | cut -f1)"
