import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, type SQL, sql } from "drizzle-orm";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { detectRuntime } from "../../src/runtime/runtime.ts";
import { secretDigest } from "../../src/security/secret-digest.ts";
import { databaseEnv } from "../support/postgres.ts";
import { portOf, startServer, stopAllServers } from "../support/server-process.ts";

const KEY = "crash-test-admin-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "rulegate-crash-"));
const dbPath = join(dir, "db.sqlite");
afterAll(() => {
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

async function boot() {
  const { child, done } = await startServer(
    { DB_PATH: dbPath, ADMIN_API_KEY: KEY, NODE_ENV: "production" },
    /"event":"listening".*\n/,
  );
  const { stdout } = await done;
  return { child, base: `http://localhost:${portOf(stdout)}` };
}

test("SIGKILL mid-burst loses no acknowledged write and leaves an intact database", async () => {
  const first = await boot();
  const admin = (path: string, body: unknown) =>
    fetch(`${first.base}/api/v2${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  await admin("/resource-servers", { identifier: "urn:crash", allow_offline_access: true });
  const client = await (await admin("/clients", { name: "crash client" })).json();
  await admin("/users", { email: "crash@example.com", password: "crash password" });
  const login = await fetch(`${first.base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "password",
      username: "crash@example.com",
      password: "crash password",
      audience: "urn:crash",
      scope: "offline_access",
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  let refreshToken: string = (await login.json()).refresh_token;

  const users: string[] = [];
  const clients: string[] = [];
  let rotations = 0;
  let stopped = false;
  const loop = async (step: () => Promise<void>) => {
    while (!stopped) {
      try {
        await step();
      } catch {
        return; // the server is gone
      }
    }
  };
  let counter = 0;
  const burst = Promise.all([
    loop(async () => {
      const response = await admin("/users", {
        email: `burst${counter++}@example.com`,
        password: "burst password",
      });
      if (response.status === 201) users.push((await response.json()).user_id);
    }),
    loop(async () => {
      const response = await admin("/clients", { name: `burst client ${counter++}` });
      if (response.status === 201) clients.push((await response.json()).client_id);
    }),
    loop(async () => {
      const response = await fetch(`${first.base}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: refreshToken,
          client_id: client.client_id,
          client_secret: client.client_secret,
        }).toString(),
      });
      if (response.status === 200) {
        refreshToken = (await response.json()).refresh_token;
        rotations++;
      }
    }),
  ]);
  while (users.length < 25 || clients.length < 25 || rotations < 25)
    await new Promise((resolve) => setTimeout(resolve, 5));
  first.child.kill("SIGKILL");
  stopped = true;
  await burst;
  const acknowledgedUsers = [...users];
  const acknowledgedClients = [...clients];
  const lastToken = refreshToken;
  expect(acknowledgedUsers.length).toBeGreaterThan(10);
  expect(rotations).toBeGreaterThan(10);

  const second = await boot();
  const get = (path: string) =>
    fetch(`${second.base}/api/v2${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  for (const id of acknowledgedUsers) expect((await get(`/users/${id}`)).status).toBe(200);
  for (const id of acknowledgedClients) expect((await get(`/clients/${id}`)).status).toBe(200);
  second.child.kill("SIGKILL");

  const config = loadConfig({ DB_PATH: dbPath, ...(await databaseEnv(dbPath)) });
  const { db, close } = await openDatabase(await detectRuntime(), config);
  const { refreshTokenFamilies, retiredRefreshTokens } = db.tables;
  try {
    if (db.engine === "sqlite") {
      const sqlite = db.orm as unknown as { get(query: SQL): Promise<unknown> };
      expect(await sqlite.get(sql`pragma integrity_check`)).toEqual(["ok"]);
    }
    // The last acknowledged rotation is durable: its token is the family's live one, or a
    // rotation that was in flight at the kill retired it (committed, reply lost).
    const digest = secretDigest(lastToken);
    const [live] = await db.orm
      .select()
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.currentTokenHash, digest));
    const [retired] = await db.orm
      .select()
      .from(retiredRefreshTokens)
      .where(eq(retiredRefreshTokens.tokenHash, digest));
    expect(Boolean(live) || Boolean(retired)).toBe(true);
  } finally {
    await close();
  }
});
