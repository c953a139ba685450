#!/usr/bin/env bash
# Builds the dependency-test images from the offline base (docker/build-images.sh makes it):
#   peakgate/kv-store:local      the dependency (HTTP key-value store, with a HEALTHCHECK)
#   peakgate/kv-api:{good,regressed}   a service that needs it
set -euo pipefail
cd "$(dirname "$0")"
DOCKER=${DOCKER:-docker}
BASE_IMAGE=${BASE_IMAGE:-peakgate/node-base:local}
"$DOCKER" build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --label peakgate.sample=kv -t peakgate/kv-store:local -f Dockerfile.store . >/dev/null 2>"${TMPDIR:-/tmp}/kv-build.log" || { cat "${TMPDIR:-/tmp}/kv-build.log" >&2; exit 1; }
for mode in good regressed; do
  "$DOCKER" build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "MODE=$mode" --label peakgate.sample=kv \
    -t "peakgate/kv-api:$mode" -f Dockerfile.api . >/dev/null 2>"${TMPDIR:-/tmp}/kv-build.log" || { cat "${TMPDIR:-/tmp}/kv-build.log" >&2; exit 1; }
done
echo "images: built peakgate/kv-store:local peakgate/kv-api:good peakgate/kv-api:regressed" >&2
