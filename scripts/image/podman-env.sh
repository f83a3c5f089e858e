#!/usr/bin/env bash
# Sourced by the image scripts: makes podman usable on a machine without systemd or a container
# registry (see docs/deployment.md, "Build and run the image with podman"). Sets IMAGE_CACHE and
# CONTAINERS_CONF; podman_ready returns 1 (after saying why) where podman cannot be installed.

IMAGE_CACHE=${ESR_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/esr-gateway/image}
mkdir -p "$IMAGE_CACHE"

image_log() { printf '[image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Installs podman, runc and debootstrap from Debian packages where they are missing (root only).
podman_ready() {
  local missing=()
  for tool in podman runc debootstrap; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      image_log "installing ${missing[*]} from Debian packages"
      if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap; } >&2; then
        image_log "podman could not be installed (apt-get failed)"
        return 1
      fi
    else
      image_log "podman/runc/debootstrap missing and cannot be installed here (needs root and apt-get)"
      return 1
    fi
  fi
  # Podman's defaults fail here: crun refuses the hybrid cgroup layout, there is no systemd for
  # cgroups or the event log, and root cannot raise the open-files limit above the hard limit.
  local nofile
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=1048576
  CONTAINERS_CONF=$IMAGE_CACHE/containers.conf
  cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  export CONTAINERS_CONF
}

# The base image the Dockerfile's FROM lines name (one tag for every stage that starts from it).
dockerfile_base_image() {
  local root=$1
  awk 'toupper($1) == "FROM" && $2 ~ /^node:/ { print $2; exit }' "$root/Dockerfile"
}
