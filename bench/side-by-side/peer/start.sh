#!/usr/bin/env bash
# Start the peer OAuth 2.0 password-grant server.
#   ./start.sh [PORT]          (PORT also from env; default 3001)
# Installs dependencies with `npm ci` from package-lock.json when node_modules is
# missing or older than the lockfile (FORCE_INSTALL=1 always reinstalls).
# All other settings come from the environment; see server.mjs.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${FORCE_INSTALL:-0}" = 1 ] || [ ! -f node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
export PORT="${1:-${PORT:-3001}}"
exec node server.mjs
