#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages videoflow needs, only those missing.
# Safe to run again. `--bench` adds the peers the benchmark compares against.
#   libopencv-dev  OpenCV headers and libraries the @u4/opencv4nodejs binding builds against
#   opencv-data    OpenCV's Haar cascades (the local model of the inference issue)
#   g++ make       to build that binding
#   python3-opencv the original design's method (cv2.VideoCapture), a benchmark peer
set -euo pipefail
packages=(libopencv-dev opencv-data g++ make)
if [[ "${1:-}" == "--bench" ]]; then packages+=(python3-opencv); fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
