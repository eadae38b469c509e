#!/usr/bin/env bash
# The storage-dependent suites again, on PostgreSQL: a fresh database for this run (each test
# gets its own database named after it), dropped afterwards. TEST_POSTGRES_URL names the
# server (default: the local PostgreSQL, trust auth). `deno` as argument runs the Deno
# end-to-end suite instead. Fails, never skips, when there is no PostgreSQL to test on.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
runtime="${1:-bun}"

bash scripts/ensure-postgres.sh

run="rulegate_test_$(date +%s)_$$"
./node_modules/.bin/bun scripts/test-database.ts create "$server" "$run"
trap './node_modules/.bin/bun scripts/test-database.ts drop "$server" "$run"' EXIT
export TEST_DATABASE_URL="${server%/*}/$run"

if [ "$runtime" = deno ]; then
  ./node_modules/.bin/deno test --no-check --allow-all tests/e2e/
else
  ./node_modules/.bin/bun test --timeout 20000 tests/oauth tests/management tests/security tests/logs tests/tokens tests/imports \
    tests/e2e tests/ops tests/first-start.test.ts tests/cli/import.test.ts
fi
