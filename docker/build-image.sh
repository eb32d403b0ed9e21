#!/usr/bin/env bash
# `make image`: builds docker/Dockerfile with buildah (no Docker engine runs
# on the project's machines) from locally made STAND-IN bases, then runs the
# smoke test inside the image. Cloud Build builds the same Dockerfile from the
# real bases (cloudbuild.yaml).
#   IMAGE  the image's name (default localhost/videoflow:dev)
set -euo pipefail
cd "$(dirname "$0")/.."
image="${IMAGE:-localhost/videoflow:dev}"
bash docker/stand-in-bases.sh
echo "build-image: building $image (first time: about 15 minutes, most of it compiling the OpenCV binding)"
buildah bud --isolation chroot --layers -f docker/Dockerfile \
  --build-arg NODE_IMAGE=localhost/stand-in/node:22-bookworm-slim \
  --build-arg LAUNCHER_IMAGE=localhost/stand-in/go-template-launcher-base \
  --build-arg VIDEOFLOW_IMAGE="$image" \
  -t "$image" .
echo "build-image: smoke test inside $image"
ctr="$(buildah from "$image")"
trap 'buildah rm "$ctr" >/dev/null' EXIT
buildah run --isolation chroot "$ctr" -- /opt/videoflow/docker/smoke-test.sh
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$image"
