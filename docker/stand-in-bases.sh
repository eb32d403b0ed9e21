#!/usr/bin/env bash
# STAND-INS for the image's two base images, made locally because this
# machine reaches no container registry. They are NOT what Cloud Build uses:
# cloudbuild.yaml builds from the real bases (the Dockerfile's defaults).
#
#   localhost/stand-in/node:22-bookworm-slim
#       Debian bookworm (debootstrap, minbase) with the project's pinned Node
#       (.node-version, scripts/setup-node.sh: the official build), its headers
#       and this machine's npm copied in: the same Debian release and Node as the
#       Dockerfile's node:<version>-bookworm-slim.
#   localhost/stand-in/go-template-launcher-base
#       /opt/google/dataflow/go_template_launcher as a shell script that calls
#       $FLEX_TEMPLATE_GO_BINARY the way Google's launcher does (see
#       docker/stand-in-go-template-launcher.sh). Google's launcher binary is
#       served only by gcr.io.
#
# The Debian root is cached in .cache/image; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.cache/image
rootfs="$cache/bookworm-rootfs"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_image=localhost/stand-in/node:22-bookworm-slim
# Made again when this changes (what the stand-in holds changed).
node_stand_in_version=4
launcher_image=localhost/stand-in/go-template-launcher-base

for tool in buildah debootstrap; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends buildah debootstrap
    break
  fi
done

mkdir -p "$cache"
if [[ ! -f "$rootfs/.complete" ]]; then
  rm -rf "$rootfs"
  echo "stand-in-bases: debootstrap bookworm (minbase) into $rootfs"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  # Same trims as Debian's slim images: no apt lists, no docs in the base layer.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  touch "$rootfs/.complete"
fi

made_version="$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "videoflow.stand-in.version"}}' "$node_image" 2>/dev/null || true)"
if [[ "$made_version" != "$node_stand_in_version" ]]; then
  bash scripts/setup-node.sh
  node_version="v$(tr -d ' \n' <.node-version)"
  node_home=".cache/node/$node_version"
  pinned="$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9.]*\)-.*/v\1/p' docker/Dockerfile)"
  [[ "$node_version" == "$pinned" ]] ||
    { echo "stand-in-bases: .node-version has $node_version, the Dockerfile's base ${pinned:-another}: make them agree" >&2; exit 1; }
  echo "stand-in-bases: $node_image (Node $node_version, $node_home)"
  ctr="$(buildah from scratch)"
  ca_env=()
  trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
  mnt="$(buildah mount "$ctr")"
  cp -a "$rootfs"/. "$mnt"/
  rm -f "$mnt/.complete"
  # As Debian's own images: no downloaded packages kept, in this layer or in any built on it
  # (debootstrap leaves its 170 MB of .deb files; Debian's images clean apt's cache after each install).
  rm -f "$mnt"/var/cache/apt/archives/*.deb
  printf '%s\n' 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' >"$mnt/etc/apt/apt.conf.d/docker-clean"
  install -m 0755 "$node_home/bin/node" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  # This machine's npm (its folder, wherever the npm on PATH lives: not npm's global root, which follows the Node that runs it).
  cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$mnt/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  # Node's headers, where node images keep them: native addons (the OpenCV binding) build against them.
  mkdir -p "$mnt/usr/local/include"
  cp -a "$node_home/include/node" "$mnt/usr/local/include/node"
  # This machine's extra certificate authorities (its egress proxy signs TLS with one), so that npm and
  # pip inside the build reach their registries as they do here. Real bases need none of this. npm's
  # own setting, not NODE_EXTRA_CA_CERTS: Node 20 parsed that bundle at every start of every Node
  # process (66 ms here), and the image's workers and launcher would carry what real ones do not.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$mnt/usr/local/share/ca-certificates/"
    chroot "$mnt" /usr/sbin/update-ca-certificates >/dev/null
    ca_env=(--env NPM_CONFIG_CAFILE=/etc/ssl/certs/ca-certificates.crt --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt)
  fi
  # node:*-bookworm-slim has a `node` user (uid 1000); the Dockerfile relies on it.
  chroot "$mnt" /usr/sbin/groupadd --gid 1000 node
  chroot "$mnt" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${ca_env[@]}" --cmd node \
    --label org.opencontainers.image.description="STAND-IN for node:22-bookworm-slim, made by docker/stand-in-bases.sh" \
    --label videoflow.stand-in.version="$node_stand_in_version" "$ctr"
  buildah commit --quiet "$ctr" "$node_image" >/dev/null
  buildah rm "$ctr" >/dev/null
  trap - EXIT
fi

if ! buildah inspect --type image "$launcher_image" >/dev/null 2>&1; then
  echo "stand-in-bases: $launcher_image (STAND-IN launcher script)"
  ctr="$(buildah from scratch)"
  buildah copy --chmod 0755 "$ctr" docker/stand-in-go-template-launcher.sh /opt/google/dataflow/go_template_launcher >/dev/null
  buildah config --label org.opencontainers.image.description="STAND-IN for gcr.io/dataflow-templates-base/go-template-launcher-base, made by docker/stand-in-bases.sh" "$ctr"
  buildah commit --quiet "$ctr" "$launcher_image" >/dev/null
  buildah rm "$ctr" >/dev/null
fi
echo "stand-in-bases: ready: $node_image, $launcher_image"
