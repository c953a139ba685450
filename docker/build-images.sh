#!/usr/bin/env bash
# Builds peakgate's offline images without any registry:
#   peakgate/node-base:local   a minimal rootfs made from the host's Node (binary + its ldd libraries)
#   peakgate/balancer:{good,regressed,crashy,leaky}   the sample service, one tag per MODE
#   peakgate/kv-store:local, peakgate/kv-api:{good,regressed}   the dependency-test images
#   peakgate/peakgate:<version>  the peakgate CLI, installed from the release tarball (docker/peakgate/build.sh)
#   peakgate/load:local        the same image with the Swarm load shard as its entrypoint
# With a registry, use a real base instead: BASE_IMAGE=node:20-slim bash docker/build-images.sh
# Options (env): BASE_IMAGE (skip the local base), FORCE_BASE=1 (rebuild the base even if current),
#                DOCKER (docker CLI to use, default "docker"). See docker/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKER=${DOCKER:-docker}
LOCAL_BASE=peakgate/node-base:local
BASE_IMAGE=${BASE_IMAGE:-$LOCAL_BASE}
MODES=(good regressed crashy leaky)
BALANCER_DIR=docker/services/balancer

log() { printf 'images: %s\n' "$*" >&2; }
die() { printf 'images: error: %s\n' "$*" >&2; exit 1; }

"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine reachable (DOCKER_HOST=${DOCKER_HOST:-unset}); start Docker first"

build_local_base() {
  local node_bin node_version current rootfs
  node_bin=$(readlink -f "$(command -v node)") || die "node not found on PATH"
  node_version=$("$node_bin" --version)
  current=$("$DOCKER" image inspect --format '{{index .Config.Labels "peakgate.node-version"}}' "$LOCAL_BASE" 2>/dev/null || true)
  if [[ "$current" == "$node_version" && "${FORCE_BASE:-0}" != 1 ]]; then
    log "$LOCAL_BASE is current (node $node_version); skipping"
    return
  fi
  log "building $LOCAL_BASE from $node_bin ($node_version)"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' RETURN
  mkdir -p "$rootfs"/{usr/local/bin,etc,tmp,app,home/node}
  chmod 1777 "$rootfs/tmp"
  cp "$node_bin" "$rootfs/usr/local/bin/node"
  # Every shared library node links against, at its real path, plus the dynamic loader.
  ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u | while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000:node:/home/node:/usr/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  chown 1000:1000 "$rootfs/home/node" 2>/dev/null || true
  tar -C "$rootfs" -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV HOME=/home/node' \
    --change "LABEL peakgate.node-version=$node_version" \
    --change 'CMD ["node"]' \
    - "$LOCAL_BASE" >/dev/null
  if ! "$DOCKER" run --rm --network none "$LOCAL_BASE" node -e 'process.exit(0)'; then
    # Do not leave a broken base behind: its label would make the next run skip the rebuild.
    "$DOCKER" rmi -f "$LOCAL_BASE" >/dev/null 2>&1 || true
    die "$LOCAL_BASE does not run node; a library ldd did not list is missing from the rootfs"
  fi
  log "built $LOCAL_BASE ($(du -sh "$rootfs" | cut -f1))"
}

bundle_balancer() {
  # The image gets one bundled file: no node_modules symlinks enter the build context.
  if [[ ! -f $BALANCER_DIR/dist/server.js ]] || [[ -n $(find "$BALANCER_DIR/src" -newer "$BALANCER_DIR/dist/server.js" -print -quit) ]]; then
    log "bundling the balancer"
    pnpm --filter @peakgate/sample-balancer run build
  fi
}

if [[ "$BASE_IMAGE" == "$LOCAL_BASE" ]]; then
  build_local_base
else
  log "using base image $BASE_IMAGE"
fi

bundle_balancer
build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
for mode in "${MODES[@]}"; do
  log "building peakgate/balancer:$mode"
  # Classic builder works everywhere (DOCKER_BUILDKIT may be absent); its output (and its
  # deprecation notice) is shown only when the build fails.
  if ! "$DOCKER" build -q \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "MODE=$mode" \
    --label "peakgate.sample=balancer" \
    -t "peakgate/balancer:$mode" \
    -f "$BALANCER_DIR/Dockerfile" "$BALANCER_DIR" >"$build_log" 2>&1; then
    cat "$build_log" >&2
    die "docker build of peakgate/balancer:$mode failed (base $BASE_IMAGE)"
  fi
done
# The dependency-test images (a key-value store and a service that needs it).
DOCKER="$DOCKER" BASE_IMAGE="$BASE_IMAGE" bash docker/services/kv/build.sh
# peakgate itself, from `pnpm pack:release`'s tarball; its `load` target is the load shard image.
DOCKER="$DOCKER" BASE_IMAGE="$BASE_IMAGE" bash docker/peakgate/build.sh
log "done: $("$DOCKER" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^peakgate/' | tr '\n' ' ')"
