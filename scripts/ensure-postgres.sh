#!/usr/bin/env bash
# The PostgreSQL suites need a server (TEST_POSTGRES_URL, default the local one): starts the
# local Debian cluster when it is down, and fails with what to do when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
bun="./node_modules/.bin/bun"
if "$bun" scripts/test-database.ts wait "$server" 2> /dev/null; then exit 0; fi
if command -v pg_ctlcluster > /dev/null && [ -d /etc/postgresql ]; then
  echo "Starting the local PostgreSQL cluster…" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  if "$bun" scripts/test-database.ts wait "$server"; then exit 0; fi
fi
echo "The PostgreSQL suites need a server at $server: install PostgreSQL or set TEST_POSTGRES_URL." >&2
exit 1
