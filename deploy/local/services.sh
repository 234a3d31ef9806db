#!/usr/bin/env bash
# Start or stop the ModularData services in the background for `make up` / `make down`.
# Logs and pid files live in the run folder; configuration comes from the environment.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${MODULARDATA_RUN_DIR:-$repo/.run}"
bin="$repo/.venv/bin"
services=(versioning profiler executor agents gateway)

command_for() {
  case "$1" in
    versioning) echo "$bin/modulardata-versioning run" ;;
    profiler) echo "$bin/modulardata-profiler" ;;
    executor) echo "$bin/modulardata-executor" ;;
    agents) echo "$bin/modulardata-agents" ;;
    gateway) echo "$bin/modulardata-gateway serve" ;;
  esac
}

alive() { [[ -f "$run/services/$1.pid" ]] && kill -0 "$(cat "$run/services/$1.pid")" 2>/dev/null; }

up() {
  mkdir -p "$run/services" "$run/storage"
  export STORAGE_URL="${STORAGE_URL:-file://$run/storage}"
  for name in "${services[@]}"; do
    if alive "$name"; then
      echo "$name already running (pid $(cat "$run/services/$name.pid"))"
      continue
    fi
    # shellcheck disable=SC2046  # the command line is meant to split into words
    nohup $(command_for "$name") >>"$run/services/$name.log" 2>&1 &
    echo $! >"$run/services/$name.pid"
    echo "$name started (pid $!, log $run/services/$name.log)"
  done
  local url="http://${MODULARDATA_GATEWAY_HOST:-127.0.0.1}:${MODULARDATA_GATEWAY_PORT:-8000}"
  for _ in $(seq 1 300); do
    if curl -fsS "$url/healthz" >/dev/null 2>&1; then
      echo "gateway ready at $url"
      return 0
    fi
    for name in "${services[@]}"; do
      if ! alive "$name"; then
        echo "$name exited; last lines of its log:" >&2
        tail -n 30 "$run/services/$name.log" >&2
        return 1
      fi
    done
    sleep 0.2
  done
  echo "gateway did not become healthy at $url" >&2
  tail -n 30 "$run/services/gateway.log" >&2
  return 1
}

down() {
  for name in "${services[@]}"; do
    if alive "$name"; then
      kill "$(cat "$run/services/$name.pid")" 2>/dev/null || true
      for _ in $(seq 1 100); do alive "$name" || break; sleep 0.1; done
      alive "$name" && kill -9 "$(cat "$run/services/$name.pid")" 2>/dev/null || true
      echo "$name stopped"
    fi
    rm -f "$run/services/$name.pid"
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
