/**
 * What a second factor costs, in process on this machine: the RFC 6238 check itself
 * (`totpStep`) and opening the sealed secret (`openSealed`), then whole requests through the
 * app: a plain password exchange, the same exchange answering `mfa_required`, and the
 * `mfa-otp` grant that finishes it (the extra round trip a user with MFA makes). Sequential,
 * after a warm-up; the app's clock moves one 30-second step per login, so every code is new.
 * Run: `npm run bench:mfa`. Prints a table and writes bench/results/mfa.json.
 */
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { bootstrap } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logs/logger.ts";
import { createRulePool } from "../src/rules/pool.ts";
import { detectRuntime } from "../src/runtime/runtime.ts";
import { keyBytes, newMfaKey, openSealed, sealSecret } from "../src/security/mfa-secret-box.ts";
import { newTotpSecret, totpStep } from "../src/security/totp.ts";
import { ADMIN_KEY, ROOT, round } from "./support/server.ts";

const MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp";
const LOGINS = 60;

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(sorted, 0.5)),
    p99_ms: round(percentile(sorted, 0.99)),
    n: samples.length,
  };
};

/** An RFC 6238 code written here from RFC 4226 §5.3, independent of the server's library. */
function code(base32: string, at: Date): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const key: number[] = [];
  for (const char of base32) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      key.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(Math.floor(at.getTime() / 30_000)));
  const mac = createHmac("sha1", Buffer.from(key)).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

// The primitives, 20 000 times each.
const secret = newTotpSecret();
const key = keyBytes(newMfaKey());
const sealed = sealSecret(key, secret, "totp|dev_bench");
const micro = (work: () => unknown) => {
  for (let i = 0; i < 2000; i++) work();
  const started = performance.now();
  for (let i = 0; i < 20_000; i++) work();
  return round(((performance.now() - started) / 20_000) * 1000, 2);
};
const now = new Date();
const current = code(secret, now);
const primitives = {
  totp_check_us: micro(() => totpStep(secret, current, now)),
  totp_wrong_code_us: micro(() => totpStep(secret, "000000", now)),
  open_sealed_secret_us: micro(() => openSealed(key, sealed, "totp|dev_bench")),
};

// Whole requests through the app.
let clockMs = Date.now();
const clock = { now: () => new Date(clockMs) };
const dir = mkdtempSync(join(tmpdir(), "rulegate-bench-mfa-"));
const config = loadConfig(
  { DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: "silent" },
  availableParallelism(),
);
const runtime = await detectRuntime();
const { db, close } = await (await import("../src/db/open-database.ts")).openDatabase(runtime, config);
const log = createLogger("silent");
const rules = createRulePool({ config, log });
const { deps } = await bootstrap({ config, db, log, rules, clock });
const app = createApp(deps, runtime);
const call = async (path: string, init: RequestInit) => {
  const answer = await app.handle(new Request(`http://localhost${path}`, init));
  return { status: answer.status, body: await answer.json() };
};
const admin = (method: string, path: string, body?: unknown) =>
  call(`/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const token = (params: Record<string, string>) =>
  call("/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });

await admin("POST", "/resource-servers", { identifier: "https://api.bench", name: "Bench", scopes: [] });
const client = (
  await admin("POST", "/clients", {
    name: "bench",
    grant_types: ["password", "refresh_token", MFA_OTP],
  })
).body as { client_id: string; client_secret: string };
await admin("POST", "/users", { email: "mfa@bench.example", password: "correct horse battery" });
const credentials = { client_id: client.client_id, client_secret: client.client_secret };
const login = () =>
  token({
    grant_type: "password",
    username: "mfa@bench.example",
    password: "correct horse battery",
    audience: "https://api.bench",
    ...credentials,
  });
const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
};

const plain: number[] = [];
for (let i = 0; i < LOGINS + 5; i++) {
  const { result, ms } = await timed(login);
  if (result.status !== 200) throw new Error(`plain exchange: ${JSON.stringify(result.body)}`);
  if (i >= 5) plain.push(ms);
}

await admin("PUT", "/guardian/factors/otp", { enabled: true });
await admin("PUT", "/guardian/policies", ["all-applications"]);
const first = await login();
const associated = await call("/mfa/associate", {
  method: "POST",
  headers: { authorization: `Bearer ${first.body.mfa_token}`, "content-type": "application/json" },
  body: JSON.stringify({ authenticator_types: ["otp"] }),
});
const enrolledSecret = associated.body.secret as string;
const required: number[] = [];
const otp: number[] = [];
for (let i = 0; i < LOGINS + 5; i++) {
  clockMs += 30_000;
  const asked = await timed(login);
  if (asked.result.status !== 403) throw new Error(`mfa_required: ${JSON.stringify(asked.result.body)}`);
  const passed = await timed(() =>
    token({
      grant_type: MFA_OTP,
      mfa_token: asked.result.body.mfa_token,
      otp: code(enrolledSecret, clock.now()),
      ...credentials,
    }),
  );
  if (passed.result.status !== 200) throw new Error(`mfa-otp: ${JSON.stringify(passed.result.body)}`);
  if (i >= 5) {
    required.push(asked.ms);
    otp.push(passed.ms);
  }
}

const results = {
  runtime: runtime.name,
  cores: availableParallelism(),
  primitives,
  requests: {
    "password exchange (no MFA)": summary(plain),
    "password exchange answering mfa_required": summary(required),
    "mfa-otp grant (the second request)": summary(otp),
  },
};
console.table(primitives);
console.table(results.requests);
mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
writeFileSync(join(ROOT, "bench", "results", "mfa.json"), `${JSON.stringify(results, null, 2)}\n`);
await rules.close();
await close();
rmSync(dir, { recursive: true, force: true });
