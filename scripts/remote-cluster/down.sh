#!/usr/bin/env bash
# Stops what up.sh started, by its PID files only; the venv, the database and the secure server's
# certificates and token stay for a fast restart.
ROOT=${EGHACT_CLUSTER_DIR:-/tmp/eghact-remote-cluster}
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
stop_pid_file "$ROOT/bgd.pid"
stop_pid_file "$ROOT/secure/bgd.pid"
stop_pid_file "$ROOT/nginx/nginx.pid"
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -1)")
if [ -f "$ROOT/pg/data/postmaster.pid" ]; then
  su postgres -c "$PGBIN/pg_ctl -D $ROOT/pg/data -m fast -w stop" >/dev/null 2>&1 || true
fi
echo "remote-cluster: stopped" >&2
