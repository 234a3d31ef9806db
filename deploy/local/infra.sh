#!/usr/bin/env bash
# Local infrastructure for development and tests: Kafka (deploy/local/kafka.sh) and
# PostgreSQL (deploy/local/postgres.sh). Used by `make infra-up` / `make infra-down`.
#
#   deploy/local/infra.sh up       start both (in parallel), idempotent
#   deploy/local/infra.sh down     stop both, no-op for what is not running
#   deploy/local/infra.sh status   exit 0 only when both are running (or external)
#   deploy/local/infra.sh clean    stop both and delete their data (Kafka jars are kept)
#
# Every variable honoured by the two scripts applies (MODULARDATA_RUN_DIR, ports,
# KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL to use external services, ...).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Run one sub-script in the background with its output line-prefixed, so the two
# interleaved outputs stay readable. With pipefail, `wait` on the pipeline's $! returns the
# sub-script's failure, and it also waits for sed, so no output is lost after `wait`.
start_bg() {
  local name="$1"; shift
  bash "$SCRIPT_DIR/$name.sh" "$@" 2>&1 | sed -u "s/^/[$name] /" &
}

cmd_up() {
  local started=$SECONDS kafka_pid pg_pid rc=0
  # In parallel: Kafka start is dominated by the JVM (and once by the jar download),
  # PostgreSQL by initdb / an apt-get install on a fresh machine.
  start_bg kafka up
  kafka_pid=$!
  start_bg postgres up
  pg_pid=$!
  wait "$kafka_pid" || rc=1
  wait "$pg_pid" || rc=1
  if ((rc != 0)); then
    echo "infra: up FAILED (see the messages above)" >&2
    return 1
  fi
  echo "infra: up in $((SECONDS - started))s"
}

cmd_down() {
  local rc=0
  bash "$SCRIPT_DIR/kafka.sh" down || rc=1
  bash "$SCRIPT_DIR/postgres.sh" down || rc=1
  return "$rc"
}

cmd_status() {
  local rc=0
  bash "$SCRIPT_DIR/kafka.sh" status || rc=3
  bash "$SCRIPT_DIR/postgres.sh" status || rc=3
  return "$rc"
}

cmd_clean() {
  local rc=0
  bash "$SCRIPT_DIR/kafka.sh" clean || rc=1
  bash "$SCRIPT_DIR/postgres.sh" clean || rc=1
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  *)
    echo "usage: $0 {up|down|status|clean}" >&2
    exit 2
    ;;
esac
