#!/usr/bin/env bash
# Starts the services the remote-cache tests talk to, on loopback only, idempotently:
#   PostgreSQL (Debian) for BuildGrid's scheduler, BuildGrid 0.4.4 (PyPI, pinned by
#   requirements.lock, in a venv) serving REAPI v2, nginx with WebDAV PUT as a Bazel HTTP cache, and
#   a second BuildGrid (cache services only) behind TLS with a private CA and JWT bearer tokens.
# Needs root on Debian (apt-get for postgresql, nginx, python3-venv, openssl). State lives under $EGHACT_CLUSTER_DIR.
# Prints the endpoints as shell assignments; the tests use the same defaults.
set -euo pipefail
ROOT=${EGHACT_CLUSTER_DIR:-/tmp/eghact-remote-cluster}
BG_PORT=${EGHACT_TEST_BG_PORT:-50071}
PG_PORT=${EGHACT_TEST_PG_PORT:-15471}
HTTP_PORT=${EGHACT_TEST_HTTP_PORT:-18071}
SECURE_PORT=${EGHACT_TEST_SECURE_PORT:-50073}
VENV=$ROOT/venv
HERE=$(cd "$(dirname "$0")" && pwd)
started=$(date +%s.%N)
log() { echo "remote-cluster: $*" >&2; }
. "$HERE/lib.sh"
# Starts `bgd` on DIR/bgd.yml (log and PID file in DIR) and waits until READY answers.
start_bgd() {
  local dir=$1 ready=$2 what=$3
  nohup "$VENV/bin/bgd" server start "$dir/bgd.yml" >"$dir/bgd.log" 2>&1 &
  echo $! >"$dir/bgd.pid"
  for i in $(seq 1 120); do
    "$ready" && return 0
    if [ "$i" = 120 ]; then log "$what did not become ready:"; tail -30 "$dir/bgd.log" >&2; exit 1; fi
    sleep 0.25
  done
}
mkdir -p "$ROOT"

# 1. Debian packages, installed only when missing.
missing=()
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1)")
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# 2. BuildGrid in a venv, exactly the versions of the lock file (reinstalled when the lock changes).
if ! cmp -s "$HERE/requirements.lock" "$VENV/requirements.lock" 2>/dev/null || [ ! -x "$VENV/bin/bgd" ]; then
  log "installing BuildGrid into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.lock"
  cp "$HERE/requirements.lock" "$VENV/requirements.lock"
fi

# 3. A private PostgreSQL cluster (postgres refuses to run as root, hence the postgres user).
install -d -o postgres -g postgres "$ROOT/pg"
if [ ! -f "$ROOT/pg/data/PG_VERSION" ]; then
  su postgres -c "$PGBIN/initdb -D $ROOT/pg/data -U bgd --auth=trust -E UTF8 >$ROOT/pg/initdb.log 2>&1"
fi
if ! su postgres -c "$PGBIN/pg_ctl -D $ROOT/pg/data status" >/dev/null 2>&1; then
  su postgres -c "$PGBIN/pg_ctl -D $ROOT/pg/data -l $ROOT/pg/pg.log -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k $ROOT/pg -c fsync=off' -w start >/dev/null"
fi
"$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U bgd -d postgres -tAc "select 1 from pg_database where datname='bgd'" | grep -q 1 \
  || "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U bgd bgd
DB="postgresql+psycopg2://bgd@127.0.0.1:$PG_PORT/bgd"

# 4. BuildGrid, unless it already answers.
bgd_ready() {
  "$VENV/bin/python" - "$BG_PORT" <<'PY' 2>/dev/null
import sys, grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
channel = grpc.insecure_channel(f"127.0.0.1:{sys.argv[1]}")
reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service="build.bazel.remote.execution.v2.Execution"), timeout=1)
sys.exit(0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1)
PY
}
if ! bgd_ready; then
  "$VENV/bin/bgd" migrate apply "$DB" >"$ROOT/migrate.log" 2>&1
  sed -e "s|@BG_PORT@|$BG_PORT|; s|@DB@|$DB|" "$HERE/bgd.yml" >"$ROOT/bgd.yml"
  start_bgd "$ROOT" bgd_ready "BuildGrid"
fi

# 5. nginx with WebDAV PUT: the Bazel HTTP cache protocol is plain GET/PUT/HEAD of files.
nginx_ready() { "$VENV/bin/python" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$HTTP_PORT/healthz', timeout=1)" 2>/dev/null; }
if ! nginx_ready; then
  mkdir -p "$ROOT/nginx/data" "$ROOT/nginx/tmp" "$ROOT/nginx/logs"
  chmod 0777 "$ROOT/nginx/data" "$ROOT/nginx/tmp"
  echo ok >"$ROOT/nginx/data/healthz"
  sed -e "s|@HTTP_PORT@|$HTTP_PORT|; s|@ROOT@|$ROOT/nginx|g" "$HERE/nginx.conf" >"$ROOT/nginx/nginx.conf"
  "$NGINX" -p "$ROOT/nginx" -c "$ROOT/nginx/nginx.conf"
  for i in $(seq 1 40); do
    nginx_ready && break
    if [ "$i" = 40 ]; then log "nginx did not become ready:"; tail -20 "$ROOT/nginx/logs/error.log" >&2; exit 1; fi
    sleep 0.1
  done
fi

# 6. The secure BuildGrid: its own process and port, so the one above is never restarted for it.
#    The CA, the server certificate (127.0.0.1 and localhost), the HS256 secret and a token valid
#    for ten years are made once and kept; replacing them restarts only this process.
SECURE=$ROOT/secure
mkdir -p "$SECURE"
if [ ! -s "$SECURE/ca.pem" ] || [ ! -s "$SECURE/server.crt" ] || [ ! -s "$SECURE/server.key" ] || [ ! -s "$SECURE/jwt.secret" ]; then
  log "making a test CA, a server certificate and a token secret in $SECURE"
  stop_pid_file "$SECURE/bgd.pid"
  rm -f "$SECURE/token"
  (
    cd "$SECURE"
    umask 077
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=eghact test CA" -keyout ca.key -out ca.pem \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -new "${ec[@]}" -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -extfile server.ext \
      -out server.crt 2>/dev/null
    openssl rand -hex 32 >jwt.secret
    chmod 0644 ca.pem server.crt
  )
fi
# BuildGrid requires `exp`, and `aud` equal to the configured audience (bgd-secure.yml).
if [ ! -s "$SECURE/token" ]; then
  "$VENV/bin/python" - "$SECURE/jwt.secret" >"$SECURE/token.tmp" <<'PY'
import sys, time, jwt
secret = open(sys.argv[1], encoding="utf-8").read().strip()
now = int(time.time())
claims = {"sub": "eghact-tests", "aud": "eghact-tests", "iat": now, "exp": now + 10 * 365 * 24 * 3600}
print(jwt.encode(claims, secret, algorithm="HS256"))
PY
  mv "$SECURE/token.tmp" "$SECURE/token"
fi
# Health over TLS, checked against the test CA (the health service needs no token).
secure_ready() {
  "$VENV/bin/python" - "$SECURE_PORT" "$SECURE/ca.pem" <<'PY' 2>/dev/null
import sys, grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
credentials = grpc.ssl_channel_credentials(root_certificates=open(sys.argv[2], "rb").read())
channel = grpc.secure_channel(f"127.0.0.1:{sys.argv[1]}", credentials)
service = "build.bazel.remote.execution.v2.ContentAddressableStorage"
reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=1)
sys.exit(0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1)
PY
}
if ! secure_ready; then
  stop_pid_file "$SECURE/bgd.pid"
  sed -e "s|@SECURE_PORT@|$SECURE_PORT|; s|@DIR@|$SECURE|g" "$HERE/bgd-secure.yml" >"$SECURE/bgd.yml"
  start_bgd "$SECURE" secure_ready "the secure BuildGrid"
fi

log "ready in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
echo "EGHACT_TEST_REAPI=grpc://127.0.0.1:$BG_PORT"
echo "EGHACT_TEST_HTTP_CACHE=http://127.0.0.1:$HTTP_PORT/cache"
echo "EGHACT_TEST_SECURE_REAPI=grpcs://127.0.0.1:$SECURE_PORT"
echo "EGHACT_TEST_CA=$SECURE/ca.pem"
echo "EGHACT_TEST_TOKEN_FILE=$SECURE/token"
