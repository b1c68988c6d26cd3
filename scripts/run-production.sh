#!/usr/bin/env bash
# `make run-production`: the production topology on this machine. PostgreSQL, Redis, two portal
# nodes (each `reflex run --env prod` with two granian workers on the Redis state manager, its own
# web build and state folders, and its own validation worker) behind nginx on $HOST:$PORT, with
# websockets. Installs what is missing (apt), and stops everything it started on Ctrl-C.
#
# Like `make run` it keeps the built-in identity provider and the demo data, so the portal can be
# tried; deploy/README.md says what changes on real machines. Data stays in $CBS_PRODUCTION_DIR
# (default .production/) between runs. For tools and tests it writes there: `env` (the settings
# every node gets, as `export` lines), `nodeN.pgid` (each node's process group) and `nodeN.port`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
source "$ROOT/scripts/services.sh"

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-3000}"
NODES="${CBS_PRODUCTION_NODES:-2}"
DIR="$(mkdir -p "${CBS_PRODUCTION_DIR:-$ROOT/.production}" && cd "${CBS_PRODUCTION_DIR:-$ROOT/.production}" && pwd)"
CHECK_SECONDS="${CBS_PRODUCTION_CHECK_SECONDS:-2}"

ensure_apt nginx-core nginx
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
ensure_apt redis-server redis-server
ensure_apt postgresql "$(pg_bin)/initdb"

say() { echo "[run-production] $*"; }

STARTED_PG=""
REDIS_PID=""
NGINX_PID=""
cleanup() {
  trap - EXIT INT TERM
  say "stopping"
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
  local i pgid
  for i in $(seq "$NODES"); do
    pgid="$(cat "$DIR/node$i.pgid" 2>/dev/null || true)"
    [ -n "$pgid" ] && kill -TERM -- "-$pgid" 2>/dev/null || true
  done
  for _ in $(seq 60); do  # the nodes finish their requests and hand the scheduler lease over
    local alive=""
    for i in $(seq "$NODES"); do
      pgid="$(cat "$DIR/node$i.pgid" 2>/dev/null || true)"
      [ -n "$pgid" ] && kill -0 -- "-$pgid" 2>/dev/null && alive=1
    done
    [ -z "$alive" ] && break
    sleep 0.5
  done
  for i in $(seq "$NODES"); do
    pgid="$(cat "$DIR/node$i.pgid" 2>/dev/null || true)"
    [ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null || true
    rm -f "$DIR/node$i.pgid"
  done
  [ -n "$NGINX_PID" ] && wait "$NGINX_PID" 2>/dev/null || true
  [ -n "$REDIS_PID" ] && redis_stop "$REDIS_PID"
  [ -n "$STARTED_PG" ] && pg_stop "$DIR/postgres"
  say "stopped"
}
trap cleanup EXIT
# The servers run in sessions of their own, so a Ctrl-C reaches only this script, which then
# stops them in order: nginx first (no new requests), the nodes, then Redis and PostgreSQL.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PostgreSQL and Redis -----------------------------------------------------------------
PG_PORT="$(free_port)"
pg_start "$DIR/postgres" "$PG_PORT"
STARTED_PG=1
pg_createdb "$PG_PORT" cbs_monitor
REDIS_PORT="$(free_port)"
# The job queue must survive a restart of Redis: append-only file, fsync every second (a job
# lost in that second is queued again by the workers' sweep: the delivery row is the truth).
redis_start "$DIR/redis" "$REDIS_PORT" --appendonly yes --appendfsync everysec --save ""
say "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"

# --- The settings every node gets ---------------------------------------------------------
# REFLEX_API_URL is the public address: the built pages send their websocket and uploads there
# (through nginx), and both nodes build the same pages, so a page from one node finds its
# scripts on the other. Left to itself, Reflex writes each node's own port into its build.
[ -s "$DIR/secret.key" ] || (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(48))' >"$DIR/secret.key")
cat >"$DIR/env" <<ENV
export CBS_MONITOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/cbs_monitor
export CBS_MONITOR_DATA_DIR=$DIR/data
export CBS_MONITOR_FILE_STORAGE=database
export CBS_MONITOR_JOB_QUEUE=redis
export CBS_MONITOR_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export CBS_MONITOR_WORKER_IN_SERVER=false
export CBS_MONITOR_VALIDATION_WORKERS=1
export CBS_MONITOR_SECRET_KEY=$(cat "$DIR/secret.key")
export CBS_MONITOR_BASE_URL=http://$HOST:$PORT
export CBS_MONITOR_TRUSTED_PROXY_HOPS=1
export REFLEX_API_URL=http://$HOST:$PORT
export REFLEX_DEPLOY_URL=http://$HOST:$PORT
export REFLEX_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/1
export REFLEX_STATE_MANAGER_MODE=redis
export GRANIAN_WORKERS=2
ENV
chmod 600 "$DIR/env"
source "$DIR/env"
cd "$ROOT"
cbs-monitor migrate
cbs-monitor seed-demo --if-empty

# --- The nodes ----------------------------------------------------------------------------
# A node is one process group: the portal (granian replaces a worker that dies, see
# cbs_monitor/server_workers.py) and its validation worker, restarted while the portal lives.
start_node() {
  local i="$1" port node="$DIR/node$1"
  port="$(cat "$node.port" 2>/dev/null || free_port)"
  echo "$port" >"$node.port"
  mkdir -p "$node"
  [ -f "$node/portal.log" ] && mv "$node/portal.log" "$node/portal.log.1"  # the previous start
  (
    # Its own folders, as on its own machine: the files are in the database, not on a disk.
    export REFLEX_WEB_WORKDIR="$node/web" REFLEX_STATES_WORKDIR="$node/states"
    export CBS_MONITOR_DATA_DIR="$node/data"
    exec setsid bash -c '
      portal=$$
      (while kill -0 "$portal" 2>/dev/null; do
         cbs-monitor worker >>"$0/worker.log" 2>&1 || true; sleep 1
       done) &
      exec reflex run --env prod --frontend-port "$1" --backend-port "$1" --backend-host 127.0.0.1
    ' "$node" "$port"
  ) >>"$node/portal.log" 2>&1 &
  echo $! >"$node.pgid"
  say "node $i starting on 127.0.0.1:$port (log: $node/portal.log)"
}

node_healthy() { curl -sf -m 3 -o /dev/null "http://127.0.0.1:$(cat "$DIR/node$1.port")/healthz"; }

# One after another until each has initialised: `reflex run` rewrites the checkout's .gitignore
# (not atomically) as it starts, and two at once can leave it cut short.
wait_initialised() {
  for _ in $(seq 600); do
    grep -q "Starting Reflex App" "$DIR/node$1/portal.log" 2>/dev/null && return 0
    kill -0 -- "-$(cat "$DIR/node$1.pgid")" 2>/dev/null || return 0
    sleep 0.5
  done
}
for i in $(seq "$NODES"); do
  rm -f "$DIR/node$i.port"
  start_node "$i"
  wait_initialised "$i"
done
for i in $(seq "$NODES"); do
  for _ in $(seq 600); do
    node_healthy "$i" && break
    kill -0 -- "-$(cat "$DIR/node$i.pgid")" 2>/dev/null || { say "node $i exited:"; tail -30 "$DIR/node$i/portal.log"; exit 1; }
    sleep 1
  done
  node_healthy "$i" || { say "node $i did not come up"; exit 1; }
done

# --- nginx, and the health check that routes around a node that cannot serve --------------
mkdir -p "$DIR/nginx/tmp"
sed -e "s#{{DIR}}#$DIR/nginx#g" -e "s#{{LISTEN}}#$HOST:$PORT#g" \
  "$ROOT/deploy/nginx.conf.template" >"$DIR/nginx/nginx.conf"
write_upstreams() {  # healthy node numbers as arguments; none healthy: try them all
  local i out=""
  for i in $(seq "$NODES"); do
    local down=" down"
    { [ $# -eq 0 ] || [[ " $* " == *" $i "* ]]; } && down=""
    out+="server 127.0.0.1:$(cat "$DIR/node$i.port") max_fails=1 fail_timeout=5s$down;"$'\n'
  done
  printf '%s' "$out" >"$DIR/nginx/upstreams.conf"
}
write_upstreams $(seq "$NODES")
setsid "$NGINX" -p "$DIR/nginx" -e "$DIR/nginx/error.log" -c "$DIR/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 50); do curl -sf -m 2 -o /dev/null "http://$HOST:$PORT/healthz" && break; sleep 0.2; done
say "CBS Monitor (production topology, $NODES nodes) on http://$HOST:$PORT/ — Ctrl-C stops it"

healthy_before="$(seq -s ' ' "$NODES")"
while true; do
  healthy=""
  for i in $(seq "$NODES"); do
    if ! kill -0 -- "-$(cat "$DIR/node$i.pgid")" 2>/dev/null; then
      say "node $i is gone; starting it again"  # what systemd's Restart=always does
      start_node "$i"
    elif node_healthy "$i"; then
      healthy+="$i "
    fi
  done
  healthy="${healthy% }"
  if [ "$healthy" != "$healthy_before" ]; then
    say "healthy nodes: ${healthy:-none}; nginx routes to them"
    write_upstreams $healthy
    "$NGINX" -p "$DIR/nginx" -e "$DIR/nginx/error.log" -c "$DIR/nginx/nginx.conf" -s reload || true
    healthy_before="$healthy"
  fi
  kill -0 "$NGINX_PID" 2>/dev/null || { say "nginx exited"; exit 1; }
  sleep "$CHECK_SECONDS" &
  wait $! || true
done
