#!/usr/bin/env bash
# The main job on samples, the whole streaming flow on one machine: local
# Pub/Sub and Cloud Storage emulators, the notification bridge and
# `videoflow listen`; uploads a generated 10 s 360p clip and real footage
# from OpenCV's samples (pedestrians, a film clip), and prints each result and
# its upload-to-manifest time. Local copies of the results go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/demo-input
ffmpeg="$(node -p 'require("./dist/pipeline/src/video/tools").ffmpegPath()')"
if [[ ! -s out/demo-input/testsrc-360p.mp4 ]]; then
  "$ffmpeg" -v error -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440 \
    -t 10 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest -y out/demo-input/testsrc-360p.mp4
fi
node dist/pipeline/dev/demo.js out/demo-input/testsrc-360p.mp4 .cache/samples/vtest.avi .cache/samples/Megamind.avi
