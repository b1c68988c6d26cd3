#!/usr/bin/env bash
# The validation worker on a real Redis queue: a throwaway redis-server on loopback (Debian's
# redis-server, installed when missing), the worker tests against it, and the server stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
source "$ROOT/scripts/services.sh"
PORT="${CBS_TEST_REDIS_PORT:-56379}"
DIR="$(mktemp -d /tmp/cbs-redis.XXXXXX)"
redis_start "$DIR" "$PORT" --save "" --appendonly no
stop() { redis_stop "$REDIS_PID"; rm -rf "$DIR"; }
trap stop EXIT
export CBS_MONITOR_TEST_QUEUE=redis
export CBS_MONITOR_REDIS_URL="redis://127.0.0.1:$PORT/0"
cd "$ROOT"
python -m pytest -q -p no:randomly tests/services/test_validation_worker.py "$@"
