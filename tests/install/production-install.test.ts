/**
 * A production install from a fresh checkout, as the README tells an operator to do it:
 * `npm ci --omit=dev` (which also proves the lock file agrees with package.json: `npm ci`
 * refuses it otherwise), then `npm start` with only Node on PATH. Everything the server
 * needs at run time must come from `dependencies`: Bun, argon2, the Deno that runs rules.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { decodeJwt } from "jose";
import { cleanEnv, pathWithoutBun, run } from "./processes.ts";

const ROOT = join(import.meta.dir, "..", "..");
const ADMIN_KEY = "install-test-admin-key-0123456789";
const scratch = mkdtempSync(join(tmpdir(), "rulegate-install-"));
const checkout = join(scratch, "rulegate");
let port: number;
let server: ChildProcess | undefined;
let output = "";

/**
 * What a fresh clone of this working tree holds: the files git tracks or would track, as
 * they are now (CI runs on a clean checkout, so there the two are the same).
 */
function copyCheckout(): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (listed.status !== 0) {
    // Not a git checkout: everything but what an install or a run leaves behind.
    const skipped = new Set(["node_modules", ".git", ".tmp", "data", "test-artifacts"]);
    cpSync(ROOT, checkout, {
      recursive: true,
      filter: (source) => !skipped.has(source.slice(ROOT.length + 1).split("/")[0] ?? ""),
    });
    return;
  }
  for (const file of listed.stdout.split("\0")) {
    if (!file || !existsSync(join(ROOT, file))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(checkout, file));
  }
}

/** A port that was free a moment ago (the issuer comes from PORT, so 0 will not do). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  copyCheckout();
  port = await freePort();
});

afterAll(async () => {
  if (server?.pid && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    process.kill(-server.pid, "SIGTERM"); // npm, its shell and Bun: the whole group
    await Promise.race([exited, Bun.sleep(5000)]);
    if (server.exitCode === null && server.signalCode === null) process.kill(-server.pid, "SIGKILL");
  }
  rmSync(scratch, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => cleanEnv({ PATH: pathWithoutBun(), ...extra });

test("npm ci --omit=dev installs the lock file as it is, without devDependencies", async () => {
  const install = await run("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], {
    cwd: checkout,
    env: env(),
  });
  expect(install.stderr).not.toContain("npm error");
  expect(install.code).toBe(0);
  expect(existsSync(join(checkout, "node_modules", "bun", "package.json"))).toBe(true);
  expect(existsSync(join(checkout, "node_modules", "@biomejs"))).toBe(false);
}, 300_000);

test("npm start serves, exchanges a password through a rule, and the global CLI manages it", async () => {
  server = spawn("npm", ["start"], {
    cwd: checkout,
    detached: true, // its own process group, so afterAll can stop npm and Bun together
    stdio: ["ignore", "pipe", "pipe"],
    env: env({
      PORT: String(port),
      DB_PATH: join(scratch, "rulegate.sqlite"),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: "info",
    }),
  });
  const listening = new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('"event":"listening"')) resolve();
    };
    server?.stdout?.on("data", collect);
    server?.stderr?.on("data", collect);
    server?.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  await Promise.race([
    listening,
    Bun.sleep(30_000).then(() => {
      throw new Error(`no listening line in 30 s:\n${output}`);
    }),
  ]);

  const base = `http://127.0.0.1:${port}`;
  const discovery = await fetch(`${base}/.well-known/openid-configuration`);
  expect(discovery.status).toBe(200);
  expect((await discovery.json()).issuer).toBe(`http://localhost:${port}/`);

  const admin = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${base}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return response.json();
  };
  await admin("POST", "/resource-servers", {
    identifier: "https://install.example.com",
    scopes: [{ value: "read:install", description: "Read" }],
  });
  const client = await admin("POST", "/clients", { name: "install client" });
  await admin("POST", "/users", { email: "install@example.com", password: "installed password" });
  await admin("PUT", "/rules/password-exchange", {
    script: `module.exports = function (user, client, scope, audience, context, cb) {
      cb(null, { scope: scope, 'https://install.example.com/rule': 'ran' });
    };`,
  });
  const token = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "password",
      username: "install@example.com",
      password: "installed password",
      audience: "https://install.example.com",
      scope: "read:install",
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  const tokens = await token.json();
  expect(token.status).toBe(200);
  expect(decodeJwt(tokens.access_token)["https://install.example.com/rule"]).toBe("ran");

  // The README's global install: `npm install -g .` links the checkout and its `rulegate`.
  const global = join(scratch, "global");
  const linked = await run("npm", ["install", "-g", ".", "--prefix", global, "--no-audit", "--no-fund"], {
    cwd: checkout,
    env: env(),
  });
  expect(linked.code).toBe(0);
  const listed = await run(join(global, "bin", "rulegate"), ["--json", "users", "list"], {
    cwd: scratch,
    env: env({ RULEGATE_URL: base, ADMIN_API_KEY: ADMIN_KEY }),
  });
  expect(listed.stderr).toBe("");
  expect(listed.code).toBe(0);
  expect((JSON.parse(listed.stdout) as Array<{ email: string }>).map((user) => user.email)).toContain(
    "install@example.com",
  );
}, 60_000);
