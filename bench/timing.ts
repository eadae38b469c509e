/**
 * Wrong password vs unknown user: does the answer's latency tell them apart? (SECURITY.md,
 * "Guarantees, and the tests that prove them")
 * A real server process on loopback, brute-force protection off so every attempt reaches
 * the password check, the two kinds interleaved so drift hits both alike.
 * Run: `npm run bench:timing` (SAMPLES=… to change the 600 per kind).
 * Prints medians, p90s, the median difference with a bootstrap 95% interval, and a verdict.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const samples = Number(process.env.SAMPLES ?? 600);
const KEY = "timing-admin-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "rulegate-timing-"));
const port = 39_500 + Math.floor(Math.random() * 400);
const base = `http://127.0.0.1:${port}`;

const server = spawn(process.execPath, ["src/main.ts"], {
  env: {
    PATH: process.env.PATH ?? "",
    DB_PATH: join(dir, "db.sqlite"),
    PORT: String(port),
    ADMIN_API_KEY: KEY,
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  },
  stdio: "ignore",
});
try {
  for (let tries = 0; ; tries++) {
    try {
      await fetch(`${base}/.well-known/jwks.json`);
      break;
    } catch {
      if (tries > 100) throw new Error("server did not start");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const admin = (method: string, path: string, body: unknown) =>
    fetch(`${base}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((response) => response.json());
  await admin("PATCH", "/tenants/settings", { brute_force_protection: { enabled: false } });
  await admin("POST", "/resource-servers", { identifier: "urn:timing" });
  const client = await admin("POST", "/clients", { name: "timing" });
  await admin("POST", "/users", { email: "known@example.com", password: "the real password" });

  const attempt = async (username: string) => {
    const body = JSON.stringify({
      grant_type: "password",
      username,
      password: "a wrong password",
      audience: "urn:timing",
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    const started = performance.now();
    const response = await fetch(`${base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await response.text();
    if (response.status !== 400) throw new Error(`unexpected ${response.status}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 30; i++) await attempt(i % 2 ? "known@example.com" : "nobody@example.com");
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i % 2 === 0) {
      wrong.push(await attempt("known@example.com"));
      unknown.push(await attempt(`nobody${i}@example.com`));
    } else {
      unknown.push(await attempt(`nobody${i}@example.com`));
      wrong.push(await attempt("known@example.com"));
    }
  }
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const at = (values: number[], q: number) => sorted(values)[Math.floor(q * (values.length - 1))]!;
  const median = (values: number[]) => at(values, 0.5);
  const difference = median(wrong) - median(unknown);
  // Bootstrap the median difference.
  const resample = (values: number[]) => values.map(() => values[Math.floor(Math.random() * values.length)]!);
  const boots = Array.from({ length: 2000 }, () => median(resample(wrong)) - median(resample(unknown)));
  const low = at(boots, 0.025);
  const high = at(boots, 0.975);
  const fmt = (value: number) => value.toFixed(3);
  console.log(`samples per kind: ${samples}`);
  console.log(`wrong password : median ${fmt(median(wrong))} ms, p90 ${fmt(at(wrong, 0.9))} ms`);
  console.log(`unknown user   : median ${fmt(median(unknown))} ms, p90 ${fmt(at(unknown, 0.9))} ms`);
  console.log(
    `median difference ${fmt(difference)} ms (95% bootstrap interval ${fmt(low)} … ${fmt(high)} ms)`,
  );
  const relative = Math.abs(difference) / median(wrong);
  console.log(
    low <= 0 && high >= 0
      ? "verdict: no detectable difference (the interval contains 0)"
      : `verdict: a difference of ${(relative * 100).toFixed(1)}% of the median${relative < 0.05 ? " (below 5%: within noise)" : ""}`,
  );
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
