#!/usr/bin/env bash
# Install what a fresh machine lacks for `make`: uv (from PyPI), Java 17 and Maven (for the
# Kafka broker's jars). PostgreSQL is installed by postgres.sh when it first starts.
set -euo pipefail

apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps: $* missing and not root; install it and retry" >&2
    exit 1
  fi
  if [[ ! -f /var/lib/apt/periodic/modulardata-updated ]]; then
    apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/modulardata-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! python3 -m uv --version >/dev/null 2>&1; then
  echo "deps: installing uv"
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
command -v java >/dev/null 2>&1 || { echo "deps: installing Java 17"; apt_install openjdk-17-jre-headless; }
command -v mvn >/dev/null 2>&1 || { echo "deps: installing Maven"; apt_install maven; }
command -v curl >/dev/null 2>&1 || apt_install curl
