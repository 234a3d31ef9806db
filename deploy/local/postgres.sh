#!/usr/bin/env bash
# Private PostgreSQL cluster for development and tests: its own data dir, port and socket,
# independent of any system cluster the distribution package may have created.
#
#   deploy/local/postgres.sh up       initdb if needed, start (idempotent), create the database
#   deploy/local/postgres.sh down     stop (no-op when not running)
#   deploy/local/postgres.sh status   exit 0 when running, 3 when stopped
#   deploy/local/postgres.sh clean    stop and delete the cluster
#
# Environment:
#   MODULARDATA_RUN_DIR  run folder (default <repo>/.run); the cluster lives in $RUN/postgres
#   MODULARDATA_PG_DIR   put the cluster folder somewhere else instead
#   MODULARDATA_PG_PORT  TCP port on 127.0.0.1 (default 15432)
#   MODULARDATA_PG_FAST  1 = fsync/synchronous_commit/full_page_writes off (tests only:
#                        a crash of the machine can corrupt the cluster); read at start
#   DATABASE_URL         if set, that database is used: up/down do nothing
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
RUN_DIR="${MODULARDATA_RUN_DIR:-$REPO_DIR/.run}"
PORT="${MODULARDATA_PG_PORT:-15432}"
FAST="${MODULARDATA_PG_FAST:-0}"
DB_NAME="modulardata"
DB_URL="postgresql://postgres@127.0.0.1:$PORT/$DB_NAME"

COMPONENT=postgres
# shellcheck source=deploy/local/common.sh
source "$SCRIPT_DIR/common.sh"

IS_ROOT=0
if [[ "$(id -u)" == 0 ]]; then IS_ROOT=1; fi

# PostgreSQL refuses to run as root, so as root the server tools run as the `postgres` OS
# user. That user must be able to reach the cluster folder: the run folder normally lives in
# the repo, but a checkout under a private home (e.g. /root, mode 0700) is not traversable by
# it. In that case the cluster goes to a per-checkout folder under $TMPDIR (default /tmp)
# instead of failing, since it is disposable dev data anyway; the name is derived from the
# run folder so up/down/status always agree on it.
pick_pg_dir() {
  if [[ -n "${MODULARDATA_PG_DIR:-}" ]]; then
    PG_DIR="$MODULARDATA_PG_DIR"
    return
  fi
  PG_DIR="$RUN_DIR/postgres"
  if ((IS_ROOT)) && id postgres >/dev/null 2>&1; then
    mkdir -p "$RUN_DIR"
    if ! runuser -u postgres -- test -x "$RUN_DIR" 2>/dev/null; then
      local tag
      tag="$(printf '%s' "$RUN_DIR" | cksum | cut -d' ' -f1)"
      PG_DIR="${TMPDIR:-/tmp}/modulardata-pg-$tag"
      log "user postgres cannot traverse $RUN_DIR; using $PG_DIR for the cluster"
    fi
  fi
}

set_paths() {
  pick_pg_dir
  DATA="$PG_DIR/data"
  PG_LOG="$PG_DIR/postgres.log"
}

# Newest installed major version, or the one the existing data dir was created with.
find_pg_bin() {
  local want="" dir
  if [[ -f "$DATA/PG_VERSION" ]]; then
    want="$(<"$DATA/PG_VERSION")"
    if [[ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ]]; then
      PG_BIN="/usr/lib/postgresql/$want/bin"
      return 0
    fi
  fi
  dir="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$dir" ]] || return 1
  PG_BIN="$(dirname "$dir")"
  if [[ -n "$want" ]]; then
    die "$DATA was created by PostgreSQL $want, only $PG_BIN is installed; run '$0 clean' to recreate it"
  fi
}

ensure_pg_installed() {
  find_pg_bin && return 0
  ((IS_ROOT)) || die "PostgreSQL server not found in /usr/lib/postgresql/*/bin; install it (apt-get install postgresql) or run this as root"
  log "PostgreSQL server not installed; installing the Debian package (takes a minute)"
  # The package also creates a system cluster on 5432; ours is separate and does not use it.
  apt-get update -qq 9>&-
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 9>&-
  find_pg_bin || die "PostgreSQL installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
}

ensure_pg_user() {
  ((IS_ROOT)) || return 0
  if ! id postgres >/dev/null 2>&1; then
    log "creating OS user postgres"
    useradd --system --user-group --no-create-home postgres
  fi
}

# Run a server tool as the cluster owner. The cwd is the cluster folder because pg_ctl
# fails when it cannot read its working directory (e.g. a repo under /root).
as_owner() {
  if ((IS_ROOT)); then
    (cd "$PG_DIR" && runuser -u postgres -- "$@" 9>&-)
  else
    (cd "$PG_DIR" && "$@" 9>&-)
  fi
}

is_running() {
  [[ -f "$DATA/PG_VERSION" ]] || return 1
  find_pg_bin || return 1
  as_owner "$PG_BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

init_cluster() {
  [[ -f "$DATA/PG_VERSION" ]] && return 0
  log "initdb in $DATA"
  # initdb into a temp dir and rename, so an interrupted initdb is simply redone next time.
  local tmp="$PG_DIR/data.init" sync_opt=()
  [[ "$FAST" == 1 ]] && sync_opt=(--no-sync)
  rm -rf "$tmp"
  if ! as_owner "$PG_BIN/initdb" -D "$tmp" -A trust -U postgres --encoding=UTF8 --no-locale \
      "${sync_opt[@]}" >"$PG_DIR/initdb.log" 2>&1; then
    cat "$PG_DIR/initdb.log" >&2
    die "initdb failed"
  fi
  # Our settings live in one file that is rewritten on every start.
  echo "include_if_exists = 'modulardata.conf'" >>"$tmp/postgresql.conf"
  mv "$tmp" "$DATA"
}

write_config() {
  local sockdir="$PG_DIR"
  # sun_path is limited to 107 bytes; a deep checkout would make the server refuse to start,
  # and everything here connects over TCP, so the socket is then simply turned off.
  if ((${#PG_DIR} + 20 > 100)); then
    sockdir=""
  fi
  {
    echo "# Generated by deploy/local/postgres.sh on every start; edit the script, not this file."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PORT"
    echo "unix_socket_directories = '$sockdir'"
    echo "max_connections = 200"
    echo "shared_buffers = 128MB"
    echo "timezone = 'UTC'"
    echo "log_timezone = 'UTC'"
    echo "log_line_prefix = '%m [%p] %q%u@%d '"
    if [[ "$FAST" == 1 ]]; then
      # Test clusters only: losing the last commits (or the cluster) on a machine crash is fine.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >"$DATA/modulardata.conf"
  if ((IS_ROOT)); then chown postgres:postgres "$DATA/modulardata.conf"; fi
}

ensure_database() {
  local exists
  exists="$("$PG_BIN/psql" "postgresql://postgres@127.0.0.1:$PORT/postgres" -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")"
  if [[ "$exists" != 1 ]]; then
    log "creating database $DB_NAME"
    "$PG_BIN/psql" "postgresql://postgres@127.0.0.1:$PORT/postgres" -qc \
      "CREATE DATABASE $DB_NAME OWNER postgres" >/dev/null
  fi
}

wait_ready() {
  local i
  for ((i = 0; i < 60; i++)); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; then
      return 0
    fi
    sleep 0.5
  done
  show_log_tail "$PG_LOG"
  die "server is running but not accepting connections on 127.0.0.1:$PORT"
}

cmd_up() {
  uses_external DATABASE_URL "start" && return 0
  local started=$SECONDS
  set_paths
  ensure_pg_installed
  ensure_pg_user
  take_lock "$PG_DIR"
  if ((IS_ROOT)); then chown postgres:postgres "$PG_DIR"; fi
  chmod 0750 "$PG_DIR"

  if is_running; then
    wait_ready
    ensure_database
    log "already running: DATABASE_URL=$DB_URL"
    return 0
  fi
  if port_open "$PORT"; then
    die "port 127.0.0.1:$PORT is already used by another process; set MODULARDATA_PG_PORT"
  fi

  init_cluster
  write_config
  # Keep the log from growing without bound over many restarts.
  if [[ -f "$PG_LOG" ]] && (($(stat -c %s "$PG_LOG") > 50 * 1024 * 1024)); then
    mv -f "$PG_LOG" "$PG_LOG.1"
  fi
  log "starting PostgreSQL $(basename "$(dirname "$PG_BIN")") on 127.0.0.1:$PORT (data $DATA, log $PG_LOG)"
  # pg_ctl detaches the postmaster (setsid), so it survives the calling shell.
  if ! as_owner "$PG_BIN/pg_ctl" start -D "$DATA" -l "$PG_LOG" -w -t 60 >/dev/null; then
    show_log_tail "$PG_LOG"
    die "pg_ctl start failed"
  fi
  wait_ready
  ensure_database
  log "ready in $((SECONDS - started))s: DATABASE_URL=$DB_URL"
}

cmd_down() {
  uses_external DATABASE_URL "stop" && return 0
  set_paths
  if [[ ! -d "$PG_DIR" ]]; then
    log "not running"
    return 0
  fi
  take_lock "$PG_DIR"
  if ! is_running; then
    log "not running"
    return 0
  fi
  log "stopping"
  # fast = roll back open transactions and disconnect clients, then a clean shutdown.
  as_owner "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null
  log "stopped"
}

cmd_status() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    log "external database DATABASE_URL is set (not managed here)"
    return 0
  fi
  set_paths
  if [[ -d "$PG_DIR" ]] && is_running; then
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; then
      log "running: DATABASE_URL=$DB_URL"
    else
      log "running but not accepting connections on 127.0.0.1:$PORT"
    fi
    return 0
  fi
  log "stopped"
  return 3
}

cmd_clean() {
  cmd_down
  uses_external DATABASE_URL "clean" && return 0
  log "removing $PG_DIR"
  rm -rf "$PG_DIR"
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
