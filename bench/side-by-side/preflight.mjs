#!/usr/bin/env node
// Pre-flight check of a token endpoint before it is loaded (no dependencies, Node >= 18).
//   node preflight.mjs URL
// Checks, with the same credentials the load uses (BENCH_* env, see README.md):
//  1. POST JSON (or form when BENCH_BODY=form) -> 200, JSON with access_token, token_type Bearer
//  2. the access token is a JWS with alg EXPECT_ALG (default RS256) whose payload has
//     iss, sub, aud (containing BENCH_AUDIENCE), iat, exp (in the future), azp (= client id),
//     scope containing 'extra', and 'https://foo.com/claim' === 'bar'
//  3. signature verified against JWKS_URL (default <origin>/.well-known/jwks.json) when that
//     answers; a missing JWKS is only a warning, a bad signature is a failure
//  4. a wrong password is refused (4xx), so the server really checks passwords
//  5. (info only) whether the other body encoding (form vs JSON) is accepted
// Prints one line to stderr; exit code 0 = ok, 1 = failed.
import { createPublicKey, verify } from "node:crypto";

const url = process.argv[2];
if (!url) {
  console.error("usage: node preflight.mjs URL");
  process.exit(2);
}
const env = process.env;
const creds = {
  grant_type: "password",
  username: env.BENCH_USERNAME || "bench@example.com",
  password: env.BENCH_PASSWORD || "bench-password",
  client_id: env.BENCH_CLIENT_ID || "bench-client",
  client_secret: env.BENCH_CLIENT_SECRET || "bench-secret",
  audience: env.BENCH_AUDIENCE || "https://api.example.com",
  scope: env.BENCH_SCOPE ?? "openid profile",
};
const format = env.BENCH_BODY === "form" ? "form" : "json";
const expectAlg = env.EXPECT_ALG || "RS256";
const CLAIM = "https://foo.com/claim";
const problems = [];
const notes = [];

function post(body, fmt) {
  return fetch(url, {
    method: "POST",
    headers:
      fmt === "json"
        ? { "content-type": "application/json", accept: "application/json" }
        : { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: fmt === "json" ? JSON.stringify(body) : new URLSearchParams(body).toString(),
    signal: AbortSignal.timeout(15000),
  });
}
const b64json = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));

let res, text, json;
try {
  res = await post(creds, format);
  text = await res.text();
} catch (e) {
  console.error(`preflight FAILED: ${url}: ${e.cause?.code || e.message}`);
  process.exit(1);
}
try {
  json = JSON.parse(text);
} catch {
  problems.push(`body is not JSON: ${text.slice(0, 120)}`);
}
if (res.status !== 200) problems.push(`status ${res.status}: ${text.slice(0, 200)}`);

let header, payload, parts;
if (json && res.status === 200) {
  if (typeof json.access_token !== "string") problems.push("no access_token in response");
  if (!/^bearer$/i.test(json.token_type || ""))
    problems.push(`token_type is ${JSON.stringify(json.token_type)}`);
  parts = typeof json.access_token === "string" ? json.access_token.split(".") : [];
  if (parts.length !== 3) problems.push("access_token is not a compact JWS");
  else {
    try {
      header = b64json(parts[0]);
      payload = b64json(parts[1]);
    } catch (e) {
      problems.push(`cannot decode JWT: ${e.message}`);
    }
  }
}
if (payload) {
  const now = Math.floor(Date.now() / 1000);
  if (header.alg !== expectAlg) problems.push(`alg ${header.alg}, expected ${expectAlg}`);
  for (const c of ["iss", "sub", "aud", "iat", "exp", "scope", "azp"])
    if (payload[c] == null) problems.push(`claim ${c} missing`);
  const aud = [].concat(payload.aud ?? []);
  if (!aud.includes(creds.audience))
    problems.push(`aud ${JSON.stringify(payload.aud)} lacks ${creds.audience}`);
  if (typeof payload.exp === "number" && payload.exp <= now) problems.push("token already expired");
  if (typeof payload.iat === "number" && payload.iat > now + 60) problems.push("iat in the future");
  if (payload.azp != null && payload.azp !== creds.client_id)
    problems.push(`azp ${payload.azp} != ${creds.client_id}`);
  const scopes =
    typeof payload.scope === "string" ? payload.scope.split(" ") : [].concat(payload.scope ?? []);
  if (!scopes.includes("extra")) problems.push(`scope ${JSON.stringify(payload.scope)} lacks 'extra'`);
  if (payload[CLAIM] !== "bar")
    problems.push(`claim ${CLAIM} is ${JSON.stringify(payload[CLAIM])}, expected "bar"`);

  // signature
  const jwksUrl = env.JWKS_URL || new URL("/.well-known/jwks.json", url).href;
  try {
    const r = await fetch(jwksUrl, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const { keys = [] } = await r.json();
    const jwk = keys.find((k) => (header.kid ? k.kid === header.kid : true));
    if (!jwk) problems.push(`no key with kid ${header.kid} in ${jwksUrl}`);
    else {
      const algs = {
        RS256: ["sha256", {}],
        ES256: ["sha256", { dsaEncoding: "ieee-p1363" }],
        EdDSA: [null, {}],
      };
      const [hash, opts] = algs[header.alg] || [];
      if (hash === undefined) notes.push(`sig=not-checked(${header.alg})`);
      else {
        const ok = verify(
          hash,
          Buffer.from(`${parts[0]}.${parts[1]}`),
          { key: createPublicKey({ key: jwk, format: "jwk" }), ...opts },
          Buffer.from(parts[2], "base64url"),
        );
        if (ok) notes.push("sig=verified");
        else problems.push(`signature does not verify against ${jwksUrl}`);
      }
    }
  } catch (e) {
    notes.push(`sig=unchecked(no JWKS at ${jwksUrl}: ${e.cause?.code || e.message})`);
  }
}

if (!problems.length && env.PREFLIGHT_NEGATIVE !== "0") {
  // a wrong password must not give a token
  const r = await post({ ...creds, password: `${creds.password}-wrong` }, format);
  await r.arrayBuffer();
  if (r.status === 200) problems.push("a WRONG password got HTTP 200");
  else if (r.status < 400 || r.status >= 500)
    problems.push(`wrong password answered ${r.status} (expected 4xx)`);
  else notes.push(`wrong-pw=${r.status}`);
  // other encoding: informational
  const other = format === "json" ? "form" : "json";
  const r2 = await post(creds, other);
  await r2.arrayBuffer();
  notes.push(`${other}=${r2.status === 200 ? "ok" : r2.status}`);
}

if (problems.length) {
  console.error(`preflight FAILED ${url}: ${problems.join("; ")}`);
  process.exit(1);
}
console.error(
  `preflight ok ${url}: alg=${header.alg} kid=${header.kid ?? "-"} scope="${payload.scope}" ${CLAIM}=${payload[CLAIM]} ` +
    `token=${json.access_token.length}B ${notes.join(" ")}`,
);
