import { afterAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, jwtVerify } from "jose";

const dir = mkdtempSync(join(tmpdir(), "rulegate-main-"));
const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `src/main.ts` as `npm start` does and collects its output until `until` matches. */
function start(env: Record<string, string>, until: RegExp) {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: join(import.meta.dir, ".."),
    env: { PATH: process.env.PATH ?? "", PORT: "0", LOG_LEVEL: "info", ...env },
  });
  running.push(child);
  let stdout = "";
  let stderr = "";
  const done = new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out; stdout: ${stdout} stderr: ${stderr}`)),
      15_000,
    );
    const check = () => {
      if (until.test(stdout) || until.test(stderr)) {
        clearTimeout(timer);
        resolve({ stdout, stderr, code: child.exitCode });
      }
    };
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      check();
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      check();
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
  return { child, done };
}

const portOf = (stdout: string) => {
  const line = stdout.split("\n").find((candidate) => candidate.includes('"event":"listening"'));
  return JSON.parse(line!).port as number;
};

describe("npm start on a new database", () => {
  test("provisions the seed's example and prints a curl that returns the rule's token", async () => {
    const { child, done } = start({ DB_PATH: join(dir, "dev", "db.sqlite") }, /^curl .*$/m);
    const { stdout } = await done;
    const port = portOf(stdout);
    expect(stdout).toContain("Management API key (shown once");
    const curl = stdout.split("\n").find((line) => line.startsWith("curl "))!;
    const body = /-d '(.*)'$/.exec(curl)![1]!;
    const url = /'(http[^']+)'/.exec(curl)![1]!.replace(/localhost:\d+/, `localhost:${port}`);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    const tokens = await response.json();
    expect(tokens.scope).toBe("read:sample extra");
    const jwks = await (await fetch(`http://localhost:${port}/.well-known/jwks.json`)).json();
    const { payload } = await jwtVerify(tokens.access_token, createLocalJWKSet(jwks), {
      audience: "https://someapi.com/api",
    });
    expect(payload["https://foo.com/claim"]).toBe("bar");
    for (const claim of ["iss", "sub", "aud", "iat", "exp", "scope", "client_id"])
      expect(payload[claim]).toBeDefined();
    child.kill();
  });

  test("NODE_ENV=production provisions nothing", async () => {
    const { child, done } = start(
      {
        DB_PATH: join(dir, "prod", "db.sqlite"),
        NODE_ENV: "production",
        ADMIN_API_KEY: "prod-admin-key-0123456789",
      },
      /"event":"listening".*\n/,
    );
    const { stdout } = await done;
    expect(stdout).not.toContain("curl");
    expect(stdout).not.toContain("Management API key");
    const port = portOf(stdout);
    const users = await fetch(`http://localhost:${port}/api/v2/users`, {
      headers: { authorization: "Bearer prod-admin-key-0123456789" },
    });
    expect(await users.json()).toEqual([]);
    child.kill();
  });

  test("a bad setting stops start-up with a message naming the variable", async () => {
    const { done } = start({ DB_PATH: join(dir, "bad", "db.sqlite"), RULE_TIMEOUT_MS: "soon" }, /(?!)/);
    const { stderr, code } = await done;
    expect(code).toBe(1);
    expect(stderr).toContain("RULE_TIMEOUT_MS");
  });
});
