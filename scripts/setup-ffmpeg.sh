#!/usr/bin/env bash
# Builds the ffmpeg and ffprobe videoflow runs, pinned: FFmpeg 8.1.2, the
# upstream release tarball as Debian's archive keeps it (checked by SHA-256),
# configured here and linked against Debian's own codec libraries (x264,
# x265, libvpx, dav1d, SVT-AV1, OpenH264, Opus, LAME; their -dev packages come
# from scripts/system-deps.sh, and in the image from docker/Dockerfile). The
# same script builds the image's copy and a developer's, so both run the same
# programs.
#
# Why a build of our own (measured; docs/research/ffmpeg/FINDINGS.md and the
# README's "ffmpeg" section): no maintained prebuilt FFmpeg in a reachable
# registry has `--enable-gray`, with which a decoder skips chroma when asked
# (`-flags gray`: the luma plane bit for bit, 8-10 % fewer instructions on
# MPEG-4 and H.264); and the programs link FFmpeg's own libraries statically,
# so each starts in about 1 ms of CPU instead of the 12.5 ms Bytedeco's
# shared 56 MB libavcodec took to load, four times per video. Every native
# decoder, demuxer, parser and filter is kept (uploads come in any format);
# devices (but lavfi's test sources), hardware acceleration and the network
# are left out. About 9 minutes on 2 cores.
#
#   bash scripts/setup-ffmpeg.sh [DIR]   (default .cache/ffmpeg; safe to run again)
set -euo pipefail
version="8.1.2"
sha256="464beb5e7bf0c311e68b45ae2f04e9cc2af88851abb4082231742a74d97b524c"
url="https://deb.debian.org/debian/pool/main/f/ffmpeg/ffmpeg_${version}.orig.tar.xz"
configure_flags=(
  --enable-gpl --enable-gray
  --disable-shared --enable-static --disable-debug --disable-doc --disable-ffplay
  --disable-autodetect --enable-pthreads --enable-zlib --enable-bzlib --enable-lzma
  --disable-network --disable-hwaccels --disable-outdevs --disable-indevs --enable-indev=lavfi
  --enable-libx264 --enable-libx265 --enable-libvpx --enable-libdav1d --enable-libsvtav1
  --enable-libopenh264 --enable-libopus --enable-libmp3lame
)
dest="${1:-$(cd "$(dirname "$0")/.." && pwd)/.cache/ffmpeg}"
# The stamp names the configuration too: a change of flags builds again.
stamp="${version} $(printf '%s\n' "${configure_flags[@]}" | sha256sum | cut -c1-12)"

if [[ "$(cat "$dest/VERSION" 2>/dev/null)" == "$stamp" && -x "$dest/ffmpeg" && -x "$dest/ffprobe" ]]; then
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "setup-ffmpeg: downloading FFmpeg ${version} (Debian's copy of the release tarball, 11 MB)"
curl -fsSL --retry 3 -o "$work/ffmpeg.tar.xz" "$url"
echo "$sha256  $work/ffmpeg.tar.xz" | sha256sum -c --quiet -
tar -xJf "$work/ffmpeg.tar.xz" -C "$work"
jobs="$(nproc)"
echo "setup-ffmpeg: building FFmpeg ${version} with --enable-gray (${jobs} jobs, about $((18 / jobs)) minutes)"
(
  cd "$work/ffmpeg-${version}"
  if ! ./configure "${configure_flags[@]}" >"$work/configure.log" 2>&1; then
    tail -n 20 "$work/configure.log" >&2
    echo "setup-ffmpeg: configure failed: are the codec libraries' -dev packages installed? (scripts/system-deps.sh)" >&2
    exit 1
  fi
  if ! make -j"$jobs" >"$work/make.log" 2>&1; then
    tail -n 30 "$work/make.log" >&2
    echo "setup-ffmpeg: make failed" >&2
    exit 1
  fi
)
rm -rf "$dest"
mkdir -p "$dest"
install -m 755 "$work/ffmpeg-${version}/ffmpeg" "$work/ffmpeg-${version}/ffprobe" "$dest/"
echo "$stamp" >"$dest/VERSION"
if ! "$dest/ffmpeg" -hide_banner -version >/dev/null 2>"$work/err"; then
  echo "setup-ffmpeg: $dest/ffmpeg does not run: $(head -n 1 "$work/err")" >&2
  exit 1
fi
echo "setup-ffmpeg: $("$dest/ffmpeg" -hide_banner -version | head -n 1) in $dest"
