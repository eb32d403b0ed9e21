#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages videoflow needs, only those missing.
# Safe to run again. `--bench` adds the peers the benchmark compares against.
#   libopencv-dev  OpenCV headers and libraries the @u4/opencv4nodejs binding builds against
#   opencv-data    OpenCV's Haar cascades (the local model of the inference issue)
#   g++ make       to build that binding
#   patchelf       to make the binding load GDAL's stand-in (scripts/gdal-stub.cc) rather than GDAL
#   curl xz-utils  fetch the pinned Node (scripts/setup-node.sh) and FFmpeg's source (scripts/setup-ffmpeg.sh)
#   nasm pkg-config and the codec libraries' -dev packages (x264, x265, libvpx, dav1d, SVT-AV1, OpenH264, Opus, LAME)
#                  to build the pinned ffmpeg (scripts/setup-ffmpeg.sh), which then loads those libraries
#   python3-opencv the original design's method (cv2.VideoCapture), a benchmark peer
#   a Java runtime Google's Pub/Sub emulator runs on (the local stack); skipped when java exists
#   maven          resolves Beam's Flink job server (scripts/setup-runners.sh); skipped when mvn exists
#   python3-venv   Beam's Python SDK for its Dataflow job service goes into a venv; skipped when a Python 3.11 can make one
#   golang-go      builds the storage emulator (fake-gcs-server, scripts/setup-runners.sh); skipped when go exists.
#                  Its go.mod asks for Go 1.26: a Go of 1.21 or later fetches that toolchain from the module proxy
set -euo pipefail
packages=(libopencv-dev opencv-data g++ make patchelf curl xz-utils nasm pkg-config
  libx264-dev libx265-dev libvpx-dev libdav1d-dev libsvtav1enc-dev libopenh264-dev libopus-dev libmp3lame-dev
  zlib1g-dev libbz2-dev liblzma-dev)
if ! command -v java >/dev/null 2>&1; then packages+=(default-jre-headless); fi
if ! command -v mvn >/dev/null 2>&1; then packages+=(maven); fi
if ! command -v go >/dev/null 2>&1; then packages+=(golang-go); fi
if ! python3.11 -c 'import ensurepip' >/dev/null 2>&1; then packages+=(python3-venv); fi
if [[ "${1:-}" == "--bench" ]]; then packages+=(python3-opencv); fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
emulator_note() {
  # The Pub/Sub emulator comes with the Google Cloud CLI, not from Debian: say so, do not fail here.
  if [[ -z "${PUBSUB_EMULATOR_JAR:-}" ]] && ! ls /usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib/*.jar >/dev/null 2>&1 \
    && ! ls /usr/share/google-cloud-sdk/platform/pubsub-emulator/lib/*.jar >/dev/null 2>&1; then
    echo "system-deps: note: Google's Pub/Sub emulator is not installed; the local stack (make demo, the listen tests) needs it:" >&2
    echo "  install the Google Cloud CLI with its pubsub-emulator component, or set PUBSUB_EMULATOR_JAR" >&2
  fi
}
if ((${#missing[@]} == 0)); then
  emulator_note
  exit 0
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
emulator_note
