#!/usr/bin/env bash
# The main job on samples: a generated 10 s 360p clip and real footage from
# OpenCV's samples (pedestrians, a film clip). Results go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/demo-input
ffmpeg="$(node -p 'require("./dist/pipeline/src/tools").ffmpegPath')"
if [[ ! -s out/demo-input/testsrc-360p.mp4 ]]; then
  "$ffmpeg" -v error -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440 \
    -t 10 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest -y out/demo-input/testsrc-360p.mp4
fi
status=0
node dist/pipeline/src/main.js process out/demo-input/testsrc-360p.mp4 .cache/samples/vtest.avi .cache/samples/Megamind.avi \
  --output out/demo --segmentSeconds 20 || status=$?
echo
echo "Results in out/demo/:"
find out/demo -name manifest.json -o -name preview.jpg -o -name gray.mp4 | sort
exit $status
