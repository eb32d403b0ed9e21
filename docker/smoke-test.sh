#!/usr/bin/env bash
# Smoke test, run inside the built image (cloudbuild.yaml's second step; here
# `make image` runs it with `buildah run --isolation chroot`). Checks the
# image's three roles with no network and no credentials:
#   1. videoflow process on a generated clip (WebM, VP9 with Opus sound, as
#      browsers record): gray.mp4 with the sound, and a truthful manifest;
#   2. the template's launch: Google's launcher (or, in a locally built image,
#      its stand-in) running FLEX_TEMPLATE_GO_BINARY with launcher flags writes
#      the Dataflow job request; a bad parameter fails the launch naming it;
#   3. the worker entry point fails cleanly when started without a runner.
set -euo pipefail
cd /opt/videoflow
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step() { echo "smoke-test: $*"; }
fail() { echo "smoke-test: FAILED: $*" >&2; exit 1; }

step "1/3 videoflow process on a generated 3 s WebM clip with Opus sound"
"$VIDEOFLOW_FFMPEG" -hide_banner -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -t 3 -pix_fmt yuv420p -c:v libvpx-vp9 -deadline realtime -c:a libopus "$work/clip.webm"
videoflow process "$work/clip.webm" --output "$work/out" >"$work/process.log" 2>&1 || { cat "$work/process.log" >&2; fail "videoflow process exited non-zero"; }
manifest="$(find "$work/out" -name manifest.json | head -1)"
[[ -n "$manifest" ]] || fail "no manifest.json under $work/out"
node -e '
  const m = require(process.argv[1]);
  if (m.video.frames !== 75) throw new Error(`frames ${m.video.frames}, expected 75`);
  if (m.outputs === undefined || !String(m.outputs.grayVideo).endsWith("gray.mp4")) throw new Error("no gray.mp4 in the manifest");
' "$manifest" || fail "the manifest is not right: $(cat "$manifest")"
[[ -s "$(dirname "$manifest")/gray.mp4" ]] || fail "no gray.mp4"
sound="$("$VIDEOFLOW_FFPROBE" -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 "$(dirname "$manifest")/gray.mp4")"
[[ "$sound" == "opus" ]] || fail "gray.mp4's sound is '$sound', not the source's Opus"

step "2/3 the template's launch writes the Dataflow job request"
launcher=/opt/google/dataflow/go_template_launcher
[[ -x "$launcher" ]] || fail "no launcher at $launcher"
[[ -x "$FLEX_TEMPLATE_GO_BINARY" ]] || fail "FLEX_TEMPLATE_GO_BINARY ($FLEX_TEMPLATE_GO_BINARY) is not executable"
launch_flags=(
  --project=vf-smoke --region=us-central1 --job_name=vf-smoke
  --staging_location="$work/staging" --temp_location="$work/temp" --template_location="$work/job.json"
  --inputSubscription=projects/vf-smoke/subscriptions/uploads --outputDirectory=gs://vf-smoke-out/videoflow
)
mkdir -p "$work/staging" "$work/temp"
"$launcher" "${launch_flags[@]}" >"$work/launch.log" 2>&1 || { cat "$work/launch.log" >&2; fail "the launch failed"; }
node -e '
  const job = require(process.argv[1]);
  const images = job.environment.workerPools[0].sdkHarnessContainerImages.map((i) => i.containerImage);
  if (job.type !== "JOB_TYPE_STREAMING") throw new Error(`job type ${job.type}`);
  if (process.env.VIDEOFLOW_IMAGE && images[0] !== process.env.VIDEOFLOW_IMAGE) throw new Error(`workers run ${images}, not ${process.env.VIDEOFLOW_IMAGE}`);
  console.log(`smoke-test: job ${job.name}: ${job.type}, workers on ${images}`);
' "$work/job.json" || fail "the job request is not right"
if "$launcher" "${launch_flags[@]}" --segmentSeconds=-1 >"$work/bad.log" 2>&1; then fail "a bad parameter was launched"; fi
grep -q -- "--segmentSeconds must be 0 or more" "$work/bad.log" || { cat "$work/bad.log" >&2; fail "the bad parameter is not named"; }

# The OpenCV binding links only the modules videoflow calls (see the Dockerfile): a build that fell back to
# every library it found would need the OpenCV packages the image leaves out.
binding=node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node
! ldd "$binding" | grep 'not found' || fail "the OpenCV binding misses libraries"
linked="$(ldd "$binding" | grep -o 'libopencv_[a-z0-9]*' | sort -u | tr '\n' ' ')"
[[ "$linked" == "libopencv_core libopencv_imgcodecs libopencv_imgproc " ]] || fail "the OpenCV binding loads $linked"
# ffmpeg is started by posix_spawn (pipeline/native/processes.c), not by forking the worker.
method="$(node -e 'console.log(require("/opt/videoflow/dist/pipeline/src/util/native-processes").spawnMethod())')"
[[ "$method" == "posix_spawn" ]] || fail "videoflow starts programs with $method, not posix_spawn"

for dev_only in dist/pipeline/test dist/pipeline/bench dist/pipeline/dev dist/template/test; do
  [[ ! -e "$dev_only" ]] || fail "$dev_only is in the image: development code stays out of it"
done

step "3/3 the worker entry point, started without a runner, fails cleanly"
set +e
/opt/videoflow/dist/pipeline/src/launch/worker-boot.js >"$work/boot.log" 2>&1
status=$?
set -e
[[ $status -ne 0 ]] || fail "the entry point exited 0 with no --id"
grep -q "no --id given" "$work/boot.log" || { cat "$work/boot.log" >&2; fail "the entry point did not say what is missing"; }
step "passed"
