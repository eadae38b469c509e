import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, jwtVerify } from "jose";
import {
  freePort,
  keyAndCurlPrinted,
  portOf,
  printedAdminKey,
  startServer as start,
  stopAllServers,
} from "./support/server-process.ts";

const dir = mkdtempSync(join(tmpdir(), "rulegate-main-"));
afterAll(() => {
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

/** Posts the printed demo curl's body to the running server's token endpoint. */
async function runPrintedCurl(stdout: string, port: number): Promise<Response> {
  const curl = stdout.split("\n").find((line) => line.startsWith("curl "))!;
  const body = /-d '(.*)'$/.exec(curl)![1]!;
  const url = /'(http[^']+)'/.exec(curl)![1]!.replace(/localhost:\d+/, `localhost:${port}`);
  return await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
}

/** A failed start: exit 1, one `rulegate: configuration error: <VARIABLE> …` line on stderr, no stack. */
function expectOneLineError(
  result: { stdout: string; stderr: string; code: number | null },
  variable: string,
) {
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toStartWith(`rulegate: configuration error: ${variable} `);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe("npm start on a new database", () => {
  test("provisions the seed's example and prints a curl that returns the rule's token", async () => {
    const { child, done } = await start({ DB_PATH: join(dir, "dev", "db.sqlite") }, keyAndCurlPrinted);
    const { stdout, stderr } = await done;
    const port = portOf(stdout);
    expect(stderr).toContain("Management API key (shown once");
    const response = await runPrintedCurl(stdout, port);
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

  test("in development the generated key is printed on stderr, never among the stdout log lines", async () => {
    const { child, done, output } = await start(
      { DB_PATH: join(dir, "dev-key", "db.sqlite") },
      keyAndCurlPrinted,
    );
    const { stdout, stderr } = await done;
    const key = printedAdminKey(stderr);
    const users = await fetch(`http://localhost:${portOf(stdout)}/api/v2/users`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(users.status).toBe(200);
    child.kill();
    expect(output().stdout).not.toContain(key);
    expect(output().stdout).not.toContain("Management API key");
  });

  test("NODE_ENV=production provisions nothing", async () => {
    const { child, done, output } = await start(
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
    const printed = output().stdout + output().stderr;
    for (const secret of ["prod-admin-key-0123456789", "rg_admin_", "Management API key"])
      expect(printed).not.toContain(secret);
  });

  test("a bad setting stops start-up with a message naming the variable", async () => {
    const { done } = await start({ DB_PATH: join(dir, "bad", "db.sqlite"), RULE_TIMEOUT_MS: "soon" }, /(?!)/);
    const { stderr, code } = await done;
    expect(code).toBe(1);
    expect(stderr).toContain("RULE_TIMEOUT_MS");
  });
});

describe("a failed start", () => {
  test("on a busy port exits 1 naming PORT, and the next start still prints the key and provisions the demo", async () => {
    const dbPath = join(dir, "busy", "db.sqlite");
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, "0.0.0.0", resolve));
    try {
      const failed = await (await start({ DB_PATH: dbPath, PORT: String(port) }, /(?!)/)).done;
      expectOneLineError(failed, "PORT");
      expect(failed.stderr).toContain(`PORT ${port} on HOST 0.0.0.0: address already in use`);
      expect(failed.stdout + failed.stderr).not.toContain("rg_admin_");
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }

    const { child, done } = await start({ DB_PATH: dbPath }, keyAndCurlPrinted);
    const { stdout, stderr } = await done;
    const key = printedAdminKey(stderr);
    expect(stdout).not.toContain(key);
    const response = await runPrintedCurl(stdout, portOf(stdout));
    expect(response.status).toBe(200);
    const users = await fetch(`http://localhost:${portOf(stdout)}/api/v2/users`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect((await users.json()).map((user: { email: string }) => user.email)).toEqual(["user@example.com"]);
    child.kill();
  });

  test("a bad HOST or an unwritable DB_PATH is one line naming the variable, exit 1, no stack trace", async () => {
    const aFile = join(dir, "a-file");
    writeFileSync(aFile, "not a folder");
    const cases: Array<[Record<string, string>, string]> = [
      [{ HOST: "not a host" }, "HOST"],
      [{ HOST: "999.1.1.1" }, "HOST"],
      [{ DB_PATH: "/proc/nope/db.sqlite" }, "DB_PATH"],
      [{ DB_PATH: join(aFile, "db.sqlite") }, "DB_PATH"],
    ];
    const results = await Promise.all(
      cases.map(
        async ([env]) => (await start({ DB_PATH: join(dir, "host", "db.sqlite"), ...env }, /(?!)/)).done,
      ),
    );
    for (const [index, result] of results.entries()) expectOneLineError(result, cases[index]![1]);
  });
});

describe("the admin key in production", () => {
  test("NODE_ENV=production without ADMIN_API_KEY or ADMIN_API_KEY_FILE refuses to start", async () => {
    const { done } = await start(
      { DB_PATH: join(dir, "prod-no-key", "db.sqlite"), NODE_ENV: "production" },
      /(?!)/,
    );
    const result = await done;
    expectOneLineError(result, "ADMIN_API_KEY");
    expect(result.stdout + result.stderr).not.toContain("rg_admin_");
  });

  test("ADMIN_API_KEY_FILE's key works on the management API and is never printed", async () => {
    const key = "file-admin-key-0123456789abcdef";
    const keyFile = join(dir, "admin-key");
    writeFileSync(keyFile, `${key}\n`);
    const { child, done, output } = await start(
      { DB_PATH: join(dir, "prod-file", "db.sqlite"), NODE_ENV: "production", ADMIN_API_KEY_FILE: keyFile },
      /"event":"listening".*\n/,
    );
    const { stdout } = await done;
    const base = `http://localhost:${portOf(stdout)}/api/v2/users`;
    const users = await fetch(base, { headers: { authorization: `Bearer ${key}` } });
    expect(users.status).toBe(200);
    expect(await users.json()).toEqual([]);
    const wrong = await fetch(base, { headers: { authorization: "Bearer not-the-file-key-0123456789" } });
    expect(wrong.status).toBe(401);
    child.kill();
    const printed = output().stdout + output().stderr;
    for (const secret of [key, "rg_admin_", "Management API key"]) expect(printed).not.toContain(secret);
  });
});
