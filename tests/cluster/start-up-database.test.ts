/**
 * Start-up against a database that is not as this node expects: one whose schema a newer
 * Rulegate migrated (refused, on both engines), and one another node is migrating (the node
 * waits for the lock, saying so, and answers its liveness probe meanwhile).
 */

import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADVISORY_LOCK } from "../../src/db/postgres.ts";
import { freePort, startServer, stopAllServers } from "../support/server-process.ts";
import { CLUSTER_ADMIN_KEY, type ClusterDatabase, createClusterDatabase, sleep } from "./cluster.ts";

const dir = mkdtempSync(join(tmpdir(), "rulegate-start-up-"));
const databases: ClusterDatabase[] = [];

afterAll(async () => {
  stopAllServers();
  for (const database of databases) await database.drop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** A migration generated long after every one this code ships (2100-01-01). */
const FUTURE_MIGRATION = { hash: "a-newer-rulegate", createdAt: 4_102_444_800_000 };

/** Starts a node and waits for it to be ready (`"event":"listening"`) or to exit. */
const start = (env: Record<string, string>) =>
  startServer(
    {
      ADMIN_API_KEY: CLUSTER_ADMIN_KEY,
      NODE_ENV: "production",
      RULE_WORKERS: "1",
      SHUTDOWN_GRACE_MS: "0",
      ...env,
    },
    /"event":"listening"/,
  );

/** A refused start: exit 1 and one line on stderr naming the variable and both migrations. */
function expectRefused(result: { stdout: string; stderr: string; code: number | null }, variable: string) {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith(`rulegate: configuration error: ${variable}: the database's schema is newer`);
  expect(lines[0]).toContain("2100-01-01T00:00:00.000Z");
  expect(lines[0]).toMatch(/up to \d{4}_\w+ \(/);
}

test("PostgreSQL migrated by a newer Rulegate: the node refuses to start, in one line naming both versions", async () => {
  const database = await createClusterDatabase();
  databases.push(database);
  const first = await start({ DATABASE_URL: database.url });
  expect((await first.done).code).toBeNull();
  first.child.kill("SIGKILL");
  await database.sql`
    insert into drizzle.__drizzle_migrations (hash, created_at)
    values (${FUTURE_MIGRATION.hash}, ${FUTURE_MIGRATION.createdAt})`;
  const second = await start({ DATABASE_URL: database.url });
  const result = await second.done;
  console.log(result.stderr.trim());
  expectRefused(result, "DATABASE_URL");
  expect(result.stderr).not.toContain(database.url);
}, 60_000);

test("SQLite migrated by a newer Rulegate: the node refuses to start, in one line naming both versions", async () => {
  const dbPath = join(dir, "newer.sqlite");
  const first = await start({ DB_PATH: dbPath });
  expect((await first.done).code).toBeNull();
  first.child.kill("SIGKILL");
  const sqlite = new Database(dbPath);
  sqlite
    .query("insert into __drizzle_migrations (hash, created_at) values (?, ?)")
    .run(FUTURE_MIGRATION.hash, FUTURE_MIGRATION.createdAt);
  sqlite.close();
  const result = await (await start({ DB_PATH: dbPath })).done;
  expectRefused(result, "DB_PATH");
}, 60_000);

test("while another node holds the migration lock, a starting node logs that it waits and answers /health/live (not ready), then starts once it is released", async () => {
  const database = await createClusterDatabase();
  databases.push(database);
  const holder = await database.sql.reserve();
  await holder`select pg_advisory_lock(${ADVISORY_LOCK.namespace}, ${ADVISORY_LOCK.migrate})`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const node = await start({ DATABASE_URL: database.url, PORT: String(port) });
  try {
    const deadline = Date.now() + 10_000;
    while (!node.output().stdout.includes('"event":"migration_lock_wait"')) {
      if (Date.now() > deadline)
        throw new Error(`no migration_lock_wait line: ${JSON.stringify(node.output())}`);
      await sleep(50);
    }
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    const token = await fetch(`${base}/oauth/token`, { method: "POST" });
    expect(token.status).toBe(503);
    expect(token.headers.get("retry-after")).toBe("2");
    expect((await token.json()).error).toBe("temporarily_unavailable");
    expect(node.output().stdout).not.toContain('"event":"listening"');
  } finally {
    await holder`select pg_advisory_unlock(${ADVISORY_LOCK.namespace}, ${ADVISORY_LOCK.migrate})`;
    holder.release();
  }
  const { code } = await node.done;
  expect(code).toBeNull();
  expect((await fetch(`${base}/health/ready`)).status).toBe(200);
}, 60_000);
