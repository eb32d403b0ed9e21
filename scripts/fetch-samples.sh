#!/usr/bin/env bash
# Real sample footage for the demo, the tests and the benchmark: Debian's
# opencv-doc package ships OpenCV's sample videos. The .deb is downloaded with
# apt (not installed) and only the videos are kept. Safe to run again.
#   vtest.avi     768x576, 10 fps, 795 frames, pedestrians (MJPEG... as shipped)
#   Megamind.avi  720x528, 23.98 fps
#   box.mp4       H.264
set -euo pipefail
dest="${1:-.cache/samples}"
mkdir -p "$dest"
if [[ -s "$dest/vtest.avi" && -s "$dest/Megamind.avi" && -s "$dest/box.mp4" ]]; then
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download opencv-doc >/dev/null 2>&1; then
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  apt-get download opencv-doc >/dev/null
fi
dpkg-deb -x opencv-doc_*.deb root
data="root/usr/share/doc/opencv-doc/examples/data"
cd - >/dev/null
cp "$work/$data/vtest.avi" "$work/$data/Megamind.avi" "$dest/"
box="$(find "$work/root" -name 'box.mp4*' | head -n 1)"
case "$box" in
  *.gz) gunzip -c "$box" >"$dest/box.mp4" ;;
  *) cp "$box" "$dest/box.mp4" ;;
esac
echo "fetch-samples: $(ls "$dest" | tr '\n' ' ')in $dest"
