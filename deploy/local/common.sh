# Helpers shared by kafka.sh and postgres.sh; source it after setting COMPONENT.
# shellcheck shell=bash

log() { printf '%s: %s\n' "$COMPONENT" "$*"; }
die() { printf '%s: ERROR: %s\n' "$COMPONENT" "$*" >&2; exit 1; }

# Serialise concurrent invocations (e.g. two `make infra-up` at once) on one folder. Every
# child started afterwards closes fd 9 so a long-running server does not keep holding the lock.
take_lock() {
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock -w 180 9 || die "another $COMPONENT.sh holds $1/.lock"
}

# bash's /dev/tcp: no nc/ss dependency; a refused localhost connect fails immediately.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Print the end of a log file to stderr, if it exists: the first thing to read on a failure.
show_log_tail() {
  if [[ -f "$1" ]]; then
    echo "---- last 40 lines of $1 ----" >&2
    tail -n 40 "$1" >&2
    echo "----" >&2
  fi
}

# True (and says so) when the variable $1 names an external service: then there is nothing to
# $2 here. The value is not printed, since a URL may carry a password.
uses_external() {
  if [[ -n "${!1:-}" ]]; then
    log "$1 is set: using that external service, nothing to $2"
    return 0
  fi
  return 1
}
