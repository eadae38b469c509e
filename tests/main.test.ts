import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, jwtVerify } from "jose";
import { demoRequestBody, portOf, startServer as start, stopAllServers } from "./support/server-process.ts";

const dir = mkdtempSync(join(tmpdir(), "rulegate-main-"));
afterAll(() => {
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

describe("npm start on a new database", () => {
  test("provisions the seed's example and prints a curl that returns the rule's token", async () => {
    const { child, done } = await start({ DB_PATH: join(dir, "dev", "db.sqlite") }, /^curl .*$/m);
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
    const { child, done } = await start(
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
    const { done } = await start({ DB_PATH: join(dir, "bad", "db.sqlite"), RULE_TIMEOUT_MS: "soon" }, /(?!)/);
    const { stderr, code } = await done;
    expect(code).toBe(1);
    expect(stderr).toContain("RULE_TIMEOUT_MS");
  });
});
