#!/usr/bin/env bash
# The database-facing tests once more against PostgreSQL (the production database): a throwaway
# cluster on loopback, a fresh database per test (tests/conftest.py), removed afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
source "$ROOT/scripts/services.sh"
DIR="$(mktemp -d /tmp/cbs-pg.XXXXXX)"
PORT="${CBS_TEST_PG_PORT:-55432}"
pg_start "$DIR" "$PORT"
stop() { pg_stop "$DIR"; rm -rf "$DIR"; }
trap stop EXIT
export CBS_MONITOR_TEST_POSTGRES="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
cd "$ROOT"
python -m pytest -q -p no:randomly tests/unit tests/services tests/review tests/ui tests/auth tests/scheduler "$@"
