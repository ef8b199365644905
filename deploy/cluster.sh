#!/usr/bin/env bash
# N Dispatch processes on one PostgreSQL database, passing live pushes through
# Redis, behind Debian's nginx with sticky sessions. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-2}
PORT=${PORT:-8080}
FIRST_PORT=${FIRST_PORT:-5101}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
DB_NAME=${DB_NAME:-dispatch_cluster}
export DATABASE_URL=${DATABASE_URL:-${PG_ADMIN_URL%/*}/$DB_NAME}
export SOCKETIO_MESSAGE_QUEUE=${SOCKETIO_MESSAGE_QUEUE:-redis://127.0.0.1:6379/0}
NGINX=${NGINX:-/usr/sbin/nginx}
PY=${PY:-.venv/bin/python}
RUN=$(pwd)/instance/cluster
mkdir -p "$RUN"

redis-cli -u "$SOCKETIO_MESSAGE_QUEUE" ping >/dev/null || { echo "Redis does not answer at $SOCKETIO_MESSAGE_QUEUE" >&2; exit 1; }
if [ -z "$(psql "$PG_ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$DB_NAME\""
fi

pids=()
stop() {
  trap - EXIT INT TERM
  [ -f "$RUN/nginx.pid" ] && kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

wait_healthy() {
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "the server on port $1 did not start; see $RUN/server-$1.log" >&2
  exit 1
}

servers=""
for i in $(seq 0 $((N - 1))); do
  port=$((FIRST_PORT + i))
  # processes share instance/ (so one SECRET_KEY); the first migrates and loads the demo alone
  HOST=127.0.0.1 PORT=$port "$PY" wsgi.py >"$RUN/server-$port.log" 2>&1 &
  pids+=($!)
  [ "$i" = 0 ] && wait_healthy "$port"
  servers+="        server 127.0.0.1:$port;"$'\n'
done
for i in $(seq 1 $((N - 1))); do wait_healthy $((FIRST_PORT + i)); done

user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
# nginx holds two connections per screen (browser, server process): sized for every process's screens
screens=${DISPATCH_MAX_CONNECTIONS:-10000}
connections=$((2 * N * screens + 1024))
files=$((connections + 1024))
if [ "$(id -u)" != 0 ] && [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$files" ]; then
  files=$(ulimit -Hn)  # only root may go past the hard limit
  connections=$((files - 1024))
  echo "  nginx: the open-file limit holds it to $connections connections ($((connections / 2)) screens)" >&2
fi
sed -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$PORT|g" -e "s|@USER@|$user_line|" \
    -e "s|@CONNECTIONS@|$connections|" -e "s|@FILES@|$files|" deploy/nginx.conf.template \
  | awk -v servers="$servers" '{ if ($0 == "@SERVERS@") printf "%s", servers; else print }' >"$RUN/nginx.conf"
"$NGINX" -e "$RUN/nginx-error.log" -p "$RUN" -c "$RUN/nginx.conf" -g "daemon off;" 2>"$RUN/nginx-start.log" &
pids+=($!)
sleep 1
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$RUN/nginx-start.log" "$RUN/nginx-error.log" >&2; exit 1; }

echo
echo "  Dispatch ($N processes, PostgreSQL $DB_NAME, Redis $SOCKETIO_MESSAGE_QUEUE) is serving on http://127.0.0.1:$PORT/"
echo "  Process logs: $RUN/server-*.log. Ctrl-C stops the cluster."
echo
wait -n "${pids[@]}"
