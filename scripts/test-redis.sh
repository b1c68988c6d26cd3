#!/usr/bin/env bash
# The validation worker on a real Redis queue: a throwaway redis-server on loopback (Debian's
# redis-server, installed when missing), the worker tests against it, and the server stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Installing Debian redis-server for the queue tests..."
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
PORT="${CBS_TEST_REDIS_PORT:-56379}"
DIR="$(mktemp -d /tmp/cbs-redis.XXXXXX)"
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --save "" --appendonly no \
  --daemonize no --loglevel warning >"$DIR/log" 2>&1 &
PID=$!
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"; }
trap stop EXIT
for _ in $(seq 50); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
export CBS_MONITOR_TEST_QUEUE=redis
export CBS_MONITOR_REDIS_URL="redis://127.0.0.1:$PORT/0"
cd "$ROOT"
python -m pytest -q -p no:randomly tests/services/test_validation_worker.py "$@"
