#!/usr/bin/env bash
# Run a command with Kafka and PostgreSQL up, then stop whichever of them this script started.
# The command's exit status is kept.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
was_running=()
for part in kafka postgres; do
  if bash "$here/$part.sh" status >/dev/null 2>&1; then was_running+=("$part"); fi
done

# Quietly, into the run folder's log: the command's own last lines (a test summary) stay last.
stop_started() {
  local log="${MODULARDATA_RUN_DIR:-$here/../../.run}/infra-down.log"
  mkdir -p "$(dirname "$log")"
  for part in postgres kafka; do
    if [[ " ${was_running[*]} " != *" $part "* ]]; then bash "$here/$part.sh" down >>"$log" 2>&1; fi
  done
}
trap stop_started EXIT

bash "$here/infra.sh" up || exit 1
"$@"
