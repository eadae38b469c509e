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

# The end-to-end suites that store something. Those of the rule sandbox alone (its limits,
# bounds, escapes and hostile rules, its outbound calls) run once per runtime, on SQLite: the
# rule hosts never touch the database, so the engine changes nothing they test.
e2e=(tests/e2e/{accounts,auth0-actions,auth0-rules,console,exchange,host-lifetime,import,management,mfa,ops,portability,refresh}.test.ts)

if [ "$runtime" = deno ]; then
  ./node_modules/.bin/deno test --no-check --allow-all "${e2e[@]}"
else
  ./node_modules/.bin/bun test --timeout 20000 tests/accounts tests/oauth tests/management tests/security tests/logs tests/tokens tests/imports \
    "${e2e[@]}" tests/ops tests/first-start.test.ts tests/cli/import.test.ts
fi
