#!/bin/bash
# usage: check.sh LABEL FFMPEG [env...]
L=$1; B=$2
echo "=== $L: $B"
[ -x "$B" ] || { echo "not executable"; exit; }
ls -la "$B" | awk '{print "size",$5}'
file -L "$B" | cut -d: -f2 | cut -c1-120
echo "ldd missing:"; ldd "$B" 2>&1 | grep -E 'not found|statically|not a dynamic' ; ldd "$B" 2>/dev/null | grep -c '=>' | sed 's/^/ nlibs=/'
timeout 20 "$B" -hide_banner -version 2>&1 | head -2
timeout 20 "$B" -hide_banner -buildconf 2>&1 | tr ' ' '\n' | grep -E -- '--enable-gray|--disable-gray' || echo " gray: NOT in buildconf"
echo -n " libs: "; timeout 20 "$B" -hide_banner -buildconf 2>&1 | tr ' ' '\n' | grep -oE -- '--enable-(libx264|libdav1d|libaom|libopus|libvpx|gpl|version3|nonfree|static|shared)' | tr '\n' ' '; echo
echo -n " dec: "; timeout 20 "$B" -hide_banner -decoders 2>/dev/null | grep -E 'dav1d|libaom|opus|av1' | awk '{print $2}' | tr '\n' ' '; echo
echo -n " enc: "; timeout 20 "$B" -hide_banner -encoders 2>/dev/null | grep -E 'x264|libopus|libvpx' | awk '{print $2}' | tr '\n' ' '; echo
