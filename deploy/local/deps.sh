#!/usr/bin/env bash
# Install what a fresh machine lacks for `make`: uv (from PyPI), Java 17 and Maven (for the
# Kafka broker's jars), libseccomp (the executor's sandbox), Node.js with npm and newman (postman/, run by the integration tests), and where kubectl is missing, kustomize (built from
# its Go module, for the deploy/k8s tests). PostgreSQL is installed by postgres.sh when it first starts.
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
# The executor's seccomp filter loads the system's libseccomp (through pyseccomp).
ldconfig -p | grep "libseccomp\.so\.2 " >/dev/null || { echo "deps: installing libseccomp"; apt_install libseccomp2; }
command -v npm >/dev/null 2>&1 || { echo "deps: installing Node.js and npm"; apt_install nodejs npm; }

postman="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../postman" && pwd)"
if [[ ! -x "$postman/node_modules/.bin/newman" || "$postman/package-lock.json" -nt "$postman/node_modules" ]]; then
  echo "deps: installing newman (npm ci in postman/)"
  npm ci --prefix "$postman" --no-audit --no-fund --silent
  touch "$postman/node_modules"
fi

# deploy/k8s is rendered by kubectl's built-in kustomize; without kubectl, by kustomize itself.
run="${MODULARDATA_RUN_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.run}"
if ! command -v kubectl >/dev/null 2>&1 && ! command -v kustomize >/dev/null 2>&1 \
    && [[ ! -x "$run/bin/kustomize" ]]; then
  command -v go >/dev/null 2>&1 || {
    echo "deps: neither kubectl nor kustomize nor Go to build kustomize: install kubectl" >&2
    exit 1
  }
  echo "deps: building kustomize into $run/bin"
  GOBIN="$run/bin" go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0
fi
