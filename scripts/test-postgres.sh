#!/usr/bin/env bash
# The database-facing tests once more against PostgreSQL (the production database): a throwaway
# cluster on loopback, a fresh database per test (tests/conftest.py), removed afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "Installing Debian postgresql for the PostgreSQL test pass..."
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
DIR="$(mktemp -d /tmp/cbs-pg.XXXXXX)"
PORT="${CBS_TEST_PG_PORT:-55432}"
as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
[ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
as_pg "'$PGBIN/initdb' -D '$DIR/data' -A trust -U postgres >/dev/null"
as_pg "'$PGBIN/pg_ctl' -D '$DIR/data' -l '$DIR/log' -o \"-k '$DIR' -p $PORT -h 127.0.0.1 -F\" start -w >/dev/null"
stop() { as_pg "'$PGBIN/pg_ctl' -D '$DIR/data' stop -m fast >/dev/null" || true; rm -rf "$DIR"; }
trap stop EXIT
export CBS_MONITOR_TEST_POSTGRES="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
cd "$ROOT"
python -m pytest -q -p no:randomly tests/unit tests/services tests/review tests/ui tests/auth tests/scheduler "$@"
