#!/usr/bin/env bash
# Rulegate beside a peer built from stock Node parts, in one run: `npm run bench:side-by-side`
# (and the end of `npm run bench`). README, "Performance".
# Starts Rulegate (npm start, production, fresh SQLite, the sample rule deployed, one API
# https://api.example.com with scope read:sample, one client_secret_post client, one user,
# argon2id at its default parameters), then the peer (peer/: Express 5 +
# @node-oauth/oauth2-server, the same argon2id through the same @node-rs/argon2, an RS256
# JWT through jose, the same rule in process, users in memory) with the SAME client id,
# secret and user, then compare.sh (ORDER=abba, ROUNDS, DURATION, CONNECTIONS from env).
# Stops only what it started. Needs wrk (scripts/ensure-wrk.sh installs it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
proj=$(cd "$here/../.." && pwd)
bash "$proj/scripts/ensure-wrk.sh" >&2 || { echo "wrk missing and could not be installed"; exit 2; }
tmp=$(mktemp -d)
po=$((20000 + RANDOM % 10000)); pp=$((po + 1))
KEY=bench-admin-key-0123456789abcdef
pids=()
cleanup() { for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null; done; sleep 2; for p in "${pids[@]}"; do kill -9 -- -"$p" 2>/dev/null; done; }
trap cleanup EXIT
(cd "$proj" && PORT=$po HOST=127.0.0.1 ISSUER="http://127.0.0.1:$po/" DB_PATH="$tmp/db.sqlite" ADMIN_API_KEY=$KEY \
  NODE_ENV=production env ${OURS_ENV:-} setsid bash -c 'echo $$ >"$0"; exec ${START_CMD:-npm start}' "$tmp/ours.pid" >"$tmp/ours.log" 2>&1) &
sleep 0.5
for i in $(seq 1 150); do curl -sf "http://127.0.0.1:$po/.well-known/openid-configuration" >/dev/null && break; sleep 0.2; done
pids+=("$(cat "$tmp/ours.pid")")
api() { curl -sf -X "$1" "http://127.0.0.1:$po$2" -H "authorization: Bearer $KEY" -H 'content-type: application/json' ${3:+-d "$3"}; }
api POST /api/v2/resource-servers '{"identifier":"https://api.example.com","name":"bench","signing_alg":"RS256","scopes":[{"value":"read:sample","description":"Read"}]}' >"$tmp/api.json" || { echo "API create failed"; cat "$tmp/api.json"; tail "$tmp/ours.log"; exit 1; }
api POST /api/v2/users '{"email":"bench@example.com","password":"bench-password","connection":"Username-Password-Authentication"}' >/dev/null || { echo "user create failed"; exit 1; }
client=$(api POST /api/v2/clients '{"name":"bench","token_endpoint_auth_method":"client_secret_post","grant_types":["password"]}')
cid=$(echo "$client" | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).client_id')
csec=$(echo "$client" | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).client_secret')
rule=$(node -e 'console.log(JSON.stringify({script: "module.exports = function (user, client, scope, audience, context, cb) {\n  var access_token = {};\n  access_token[\"https://foo.com/claim\"] = \"bar\";\n  access_token.scope = scope;\n  access_token.scope.push(\"extra\");\n  cb(null, access_token);\n};\n"}))')
api PUT /api/v2/rules/password-exchange "$rule" >/dev/null || api POST /api/v2/rules/password-exchange "$rule" >/dev/null || { echo "rule deploy failed"; exit 1; }
(cd "$here/peer" && CLIENT_ID=$cid CLIENT_SECRET=$csec AUDIENCE=https://api.example.com \
  BENCH_USERNAME=bench@example.com BENCH_PASSWORD=bench-password setsid bash -c 'echo $$ >"$0"; exec ./start.sh "$1"' "$tmp/peer.pid" $pp >"$tmp/peer.log" 2>&1) &
sleep 0.5
for i in $(seq 1 150); do curl -sf "http://127.0.0.1:$pp/healthz" >/dev/null && break; sleep 0.2; done
pids+=("$(cat "$tmp/peer.pid")")
export BENCH_SCOPE=${BENCH_SCOPE:-read:sample} BENCH_CLIENT_ID=$cid BENCH_CLIENT_SECRET=$csec BENCH_AUDIENCE=https://api.example.com BENCH_USERNAME=bench@example.com BENCH_PASSWORD=bench-password
ORDER=${ORDER:-abba} ROUNDS=${ROUNDS:-4} DURATION=${DURATION:-8} "$here/compare.sh" "http://127.0.0.1:$pp/oauth/token" "http://127.0.0.1:$po/oauth/token"
