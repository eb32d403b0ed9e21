#!/usr/bin/env bash
# Installs the ffmpeg and ffprobe videoflow runs, pinned, from Maven Central:
# Bytedeco's FFmpeg build (the `linux-x86_64-gpl` classifier of
# org.bytedeco:ffmpeg), which follows FFmpeg's releases. The same archive goes
# into the image (docker/Dockerfile runs this script) and onto a developer's
# machine (`make deps`), so both run the same programs.
#
# Why this build (measured, see the README's "ffmpeg" section): it is current
# (FFmpeg 8.1.2), decodes every format the tests upload, AV1 included (libaom;
# the static musl build on PyPI has no software AV1 decoder), writes Opus into
# MP4, carries libx264, and runs as fast as the 2018 static build it replaces.
# Its programs link their libraries by $ORIGIN; the few system libraries they
# need are installed by scripts/system-deps.sh and the Dockerfile.
#
#   bash scripts/setup-ffmpeg.sh [DIR]   (default .cache/ffmpeg; safe to run again)
set -euo pipefail
version="8.1.2-1.5.14"
sha256="3c56835c2675ed4fae638268588896a00e1dd109ccdea5aacc3056d6330a669e"
url="https://repo1.maven.org/maven2/org/bytedeco/ffmpeg/${version}/ffmpeg-${version}-linux-x86_64-gpl.jar"
dest="${1:-$(cd "$(dirname "$0")/.." && pwd)/.cache/ffmpeg}"

if [[ "$(cat "$dest/VERSION" 2>/dev/null)" == "$version" && -x "$dest/ffmpeg" && -x "$dest/ffprobe" ]]; then
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "setup-ffmpeg: downloading FFmpeg ${version} (Bytedeco, Maven Central, 31 MB)"
curl -fsSL --retry 3 -o "$work/ffmpeg.jar" "$url"
echo "$sha256  $work/ffmpeg.jar" | sha256sum -c --quiet -
# Only the programs and the libraries they load (not the Java bindings' JNI libraries).
unzip -q "$work/ffmpeg.jar" 'org/bytedeco/ffmpeg/linux-x86_64-gpl/*' -x '*/libjni*' -d "$work/x"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/x/org/bytedeco/ffmpeg/linux-x86_64-gpl" "$dest"
chmod 755 "$dest/ffmpeg" "$dest/ffprobe"
echo "$version" >"$dest/VERSION"
if ! "$dest/ffmpeg" -hide_banner -version >/dev/null 2>"$work/err"; then
  echo "setup-ffmpeg: $dest/ffmpeg does not run: $(head -n 1 "$work/err")" >&2
  echo "  its system libraries come from scripts/system-deps.sh (libxcb1 libxcb-shm0 libasound2 libpulse0 libva2 libva-drm2 libdrm2)" >&2
  exit 1
fi
echo "setup-ffmpeg: $("$dest/ffmpeg" -hide_banner -version | head -n 1) in $dest"
