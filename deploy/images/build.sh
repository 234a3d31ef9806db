#!/usr/bin/env bash
# `make images`: one image per service (the targets of deploy/images/Containerfile), tagged
# $IMAGE_PREFIX/<service>:$IMAGE_TAG, then each image's size and the time it all took.
#
# Where a Docker engine answers, plain `docker build`. Otherwise podman, as measured on machines
# without a registry or an engine: podman, runc and debootstrap from Debian (installed when
# missing), a base image made by debootstrap and `podman import` (its root filesystem kept in
# the run folder, so the next machine state without the image imports it in seconds), runc with
# cgroupfs, explicit ulimits, host networking and the system's CA bundle visible to the build.
#
#   deploy/images/build.sh [SERVICE...]   (default: every service in services/)
#
# Environment: IMAGE_PREFIX (default modulardata), IMAGE_TAG (default the workspace's version),
# BASE_IMAGE (default: python:3.11-slim with Docker, the debootstrap image with podman),
# MODULARDATA_RUN_DIR (default <repo>/.run), IMAGE_BUILDER=docker|podman to choose.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo/deploy/images"
run="${MODULARDATA_RUN_DIR:-$repo/.run}/images"
prefix="${IMAGE_PREFIX:-modulardata}"
tag="${IMAGE_TAG:-$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/pyproject.toml" | head -n 1)}"
suite=bookworm
debian_base="localhost/modulardata-base:$suite"
# What the debootstrap base holds: Python 3.11 (Debian 12's python3) with venv for uv's own
# install, the CA bundle for TLS, libseccomp for the executor's system call filter.
debian_packages=python3,python3-venv,ca-certificates,libseccomp2
# Held in the cached root filesystem's stamp: changing what goes in makes it anew.
base_recipe="$suite $debian_packages without docs, manuals, locales and apt lists"

log() { printf 'images: %s\n' "$*"; }
die() { printf 'images: ERROR: %s\n' "$*" >&2; exit 1; }

if (($# > 0)); then
  services=("$@")
else
  mapfile -t services < <(cd "$repo/services" && ls -d -- */ | tr -d /)
fi

apt_install() {
  [[ $(id -u) -eq 0 ]] || die "$* missing and not root: install them (apt-get install $*) and retry"
  command -v apt-get >/dev/null || die "$* missing and no apt-get: install podman, runc and debootstrap"
  log "installing $* from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

choose_builder() {
  if [[ -n "${IMAGE_BUILDER:-}" ]]; then
    echo "$IMAGE_BUILDER"
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    echo docker
  else
    echo podman
  fi
}

# podman's settings for these hosts, in a file of the run folder (nothing system-wide changes):
# crun refuses hybrid cgroups, and the default ulimits are refused.
podman_setup() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
  mkdir -p "$run"
  cat >"$run/containers.conf" <<EOF
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
EOF
  export CONTAINERS_CONF="$run/containers.conf"
}

# The host's own limits, which podman may not raise; runc is refused a process limit above the
# kernel's pid_max here (measured: 32768 works, 65536 does not).
ulimit_flags() {
  local nproc pid_max
  pid_max="$(cat /proc/sys/kernel/pid_max)"
  nproc="$(ulimit -Hu)"
  if [[ "$nproc" == unlimited ]] || ((nproc > pid_max)); then nproc="$pid_max"; fi
  echo "--ulimit nofile=$(ulimit -Hn):$(ulimit -Hn) --ulimit nproc=$nproc:$nproc"
}

# The base image holds its recipe as a label, so a run folder of another clone (CI's) reuses it.
debian_base_image() {
  local rootfs="$run/rootfs-$suite.tar" stamp="$run/rootfs-$suite.recipe" current=""
  if podman image exists "$debian_base" && [[ "$(podman image inspect --format \
      '{{ index .Labels "modulardata.recipe" }}' "$debian_base")" == "$base_recipe" ]]; then
    return 0
  fi
  [[ -f "$stamp" ]] && current="$(<"$stamp")"
  if [[ ! -f "$rootfs" || "$current" != "$base_recipe" ]]; then
    [[ $(id -u) -eq 0 ]] || die "debootstrap needs root to make the base image"
    local dir="$run/rootfs-$suite"
    rm -rf "$dir" "$rootfs"
    log "making the base image's root filesystem with debootstrap ($suite: $debian_packages)"
    debootstrap --variant=minbase --include="$debian_packages" "$suite" "$dir" \
      >"$run/debootstrap.log" 2>&1 || { tail -n 20 "$run/debootstrap.log" >&2; die "debootstrap failed"; }
    # Package lists, caches and documentation only weigh the image down.
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
      "$dir"/usr/share/{doc,man,info,locale}/*
    tar -C "$dir" -c . >"$rootfs.tmp" && mv "$rootfs.tmp" "$rootfs"
    rm -rf "$dir"
    echo "$base_recipe" >"$stamp"
  fi
  log "importing $rootfs as $debian_base"
  podman import --change 'CMD ["/bin/bash"]' --change "LABEL modulardata.recipe=\"$base_recipe\"" \
    "$rootfs" "$debian_base" >/dev/null
}

build() {
  local builder="$1" service="$2" image="$prefix/$service:$tag" out="$run/build-$2.log"
  log "building $image (log $out)"
  local args=(-f "$here/Containerfile" --target "$service" -t "$image")
  if [[ "$builder" == docker ]]; then
    args+=(${BASE_IMAGE:+--build-arg BASE_IMAGE="$BASE_IMAGE"})
  else
    # shellcheck disable=SC2207  # the ulimit flags are meant to split into words
    args+=(--build-arg BASE_IMAGE="${BASE_IMAGE:-$debian_base}" --network host
      $(ulimit_flags) -v /etc/ssl/certs:/etc/ssl/certs:ro)
  fi
  if ! "$builder" build "${args[@]}" "$repo" >"$out" 2>&1; then
    tail -n 30 "$out" >&2
    die "building $image failed"
  fi
}

size_of() {
  local builder="$1" image="$2"
  "$builder" image inspect --format '{{.Size}}' "$image" |
    awk '{printf "%.0f MB", $1 / 1000000}'
}

main() {
  local builder started=$SECONDS service
  builder="$(choose_builder)"
  if [[ "$builder" == podman ]]; then
    podman_setup
    [[ -n "${BASE_IMAGE:-}" ]] || debian_base_image
  fi
  mkdir -p "$run"
  for service in "${services[@]}"; do
    [[ -f "$repo/services/$service/pyproject.toml" ]] || die "no service '$service' in services/"
    build "$builder" "$service"
  done
  log "built in $((SECONDS - started))s with $builder:"
  for service in "${services[@]}"; do
    printf '  %-32s %s\n' "$prefix/$service:$tag" "$(size_of "$builder" "$prefix/$service:$tag")"
  done
}

main
