# Throwaway servers on loopback for tests and the local production topology: Debian's PostgreSQL,
# Redis and nginx, installed with apt when missing. Sourced; every server runs from a folder of
# its own and is stopped by the matching stop function (only what this script started).

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_apt PACKAGE PROGRAM: install PACKAGE when PROGRAM (a command or a path) is missing.
ensure_apt() {
  if ! command -v "$2" >/dev/null 2>&1; then
    echo "Installing Debian $1..."
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$1" >/dev/null
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# pg_start DIR PORT: a cluster in DIR/data (created when new), trust auth on 127.0.0.1:PORT.
pg_start() {
  local dir="$1" port="$2" bin
  ensure_apt postgresql "$(pg_bin)/initdb"
  bin="$(pg_bin)"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    _as_pg "'$bin/initdb' -D '$dir/data' -A trust -U postgres >/dev/null"
  fi
  _as_pg "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -o \"-k '$dir' -p $port -h 127.0.0.1 -F\" start -w >/dev/null"
}

pg_stop() { _as_pg "'$(pg_bin)/pg_ctl' -D '$1/data' stop -m fast >/dev/null" || true; }

# pg_createdb PORT NAME: create the database unless it exists.
pg_createdb() {
  local port="$1" name="$2"
  if ! _as_pg "psql -h 127.0.0.1 -p $port -U postgres -tAc \"select 1 from pg_database where datname='$name'\"" | grep -q 1; then
    _as_pg "createdb -h 127.0.0.1 -p $port -U postgres '$name'"
  fi
}

_as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

# redis_start DIR PORT [redis-server options...]: in the background; sets REDIS_PID.
redis_start() {
  local dir="$1" port="$2"
  shift 2
  ensure_apt redis-server redis-server
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize no \
    --loglevel warning "$@" >"$dir/log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis-server did not start:" >&2
  cat "$dir/log" >&2
  return 1
}

redis_stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# free_port: a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
