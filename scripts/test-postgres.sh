#!/usr/bin/env bash
# The storage-dependent suites again, on PostgreSQL: a fresh database for this run (each test
# gets its own database named after it), dropped afterwards. TEST_POSTGRES_URL names the
# server (default: the local PostgreSQL, trust auth). Starts the local cluster if it is down;
# fails, never skips, when there is no PostgreSQL to test on.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
runtime="${1:-bun}"

if ! bun scripts/test-database.ts wait "$server" 2> /dev/null; then
  if command -v pg_ctlcluster > /dev/null && [ -d /etc/postgresql ]; then
    echo "Starting the local PostgreSQL cluster…" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  bun scripts/test-database.ts wait "$server" || {
    echo "The PostgreSQL suites need a server at $server (set TEST_POSTGRES_URL)." >&2
    exit 1
  }
fi

run="rulegate_test_$(date +%s)_$$"
bun scripts/test-database.ts create "$server" "$run"
trap 'bun scripts/test-database.ts drop "$server" "$run"' EXIT
export TEST_DATABASE_URL="${server%/*}/$run"

if [ "$runtime" = deno ]; then
  ./node_modules/.bin/deno test --no-check --allow-all tests/e2e/
else
  bun test tests/oauth tests/management tests/security tests/logs tests/tokens tests/imports \
    tests/e2e tests/first-start.test.ts tests/cli/import.test.ts
fi
