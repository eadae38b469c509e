import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import postgres from "postgres";
import type { Database } from "../../src/db/database.ts";
import { insertLog, newLog } from "../../src/db/logs.ts";
import { ADVISORY_LOCK, openPostgres, PG_MIGRATIONS_FOLDER } from "../../src/db/postgres.ts";
import { createLogger } from "../../src/logs/logger.ts";
import { pruneExpiredLogs } from "../../src/logs/retention.ts";

/** PostgreSQL only, by nature: what several nodes on one database coordinate with advisory locks. */
const server = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `rulegate_locks_${process.pid}_${Date.now()}`;
const url = (() => {
  const parsed = new URL(server);
  parsed.pathname = `/${name}`;
  return parsed.toString();
})();
const admin = postgres(server, { max: 1, onnotice: () => {} });
const opened: Database[] = [];

beforeAll(async () => {
  await admin`create database ${admin(name)}`;
});
afterAll(async () => {
  for (const database of opened) await database.close();
  await admin`drop database if exists ${admin(name)} with (force)`;
  await admin.end();
});

const open = async () => {
  const database = await openPostgres({ url, poolSize: 2, statementTimeoutMs: 5000 });
  opened.push(database);
  return database;
};

test("nodes starting together apply each migration once, under the migration lock", async () => {
  const nodes = await Promise.all([open(), open(), open()]);
  expect(nodes).toHaveLength(3);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    const files = readdirSync(PG_MIGRATIONS_FOLDER).filter((file) => file.endsWith(".sql"));
    expect(row!.n).toBe(files.length);
  } finally {
    await sql.end();
  }
});

test("log retention prunes on one node at a time: a node that finds the lock taken skips the round", async () => {
  const { db } = await open();
  const old = new Date(Date.now() - 400 * 86_400_000);
  await insertLog(
    db,
    newLog({ logId: `log_old_${Date.now()}`, date: old, type: "sepft", description: "old" }),
  );
  const deps = {
    db,
    clock: { now: () => new Date() },
    config: { logRetentionDays: 30 },
    log: createLogger("silent"),
  } as Parameters<typeof pruneExpiredLogs>[0];

  // Another node is pruning: it holds the lock in its transaction.
  const other = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await other.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${ADVISORY_LOCK.namespace}, ${ADVISORY_LOCK.pruneLogs})`;
      expect(await pruneExpiredLogs(deps)).toBe(0);
    });
  } finally {
    await other.end();
  }
  // The lock is free again: this node prunes.
  expect(await pruneExpiredLogs(deps)).toBe(1);
});
