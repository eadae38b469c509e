/**
 * `/health/ready` follows the database: 503 while it is unreachable (PostgreSQL, through a TCP
 * proxy the test cuts) and 200 once it is back; on
 * either engine a migration the test removes from the database's record makes it 503 too.
 */

import { Database as SQLite } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { databaseEnv, dropTestDatabase, testDatabaseUrl } from "../support/postgres.ts";
import { killAllNodes, type Node, scrape, seed, sleep, startNode } from "./node.ts";
import { startTcpProxy } from "./tcp-proxy.ts";

afterAll(() => killAllNodes());

/** Polls `/health/ready` until it answers `status` (or fails after `ms`); returns its body. */
async function readinessBecomes(node: Node, status: number, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await fetch(`${node.base}/health/ready`);
    const body = await response.json();
    if (response.status === status) return body;
    if (Date.now() > deadline)
      throw new Error(`readiness stayed ${response.status}: ${JSON.stringify(body)}`);
    await sleep(100);
  }
}

/** The test database beside the node's: the SQLite file, or a connection to its PostgreSQL database. */
async function rawDatabase(node: Node, dbPath: string, databaseUrl: string | undefined) {
  if (databaseUrl) {
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    return {
      table: "drizzle.__drizzle_migrations",
      run: async (statement: string) =>
        (await sql.unsafe(statement)) as unknown as Array<Record<string, unknown>>,
      close: () => sql.end(),
    };
  }
  const sqlite = new SQLite(dbPath);
  sqlite.exec("PRAGMA busy_timeout = 5000");
  void node;
  return {
    table: "__drizzle_migrations",
    run: async (statement: string) => sqlite.query(statement).all() as Array<Record<string, unknown>>,
    close: async () => sqlite.close(),
  };
}

test("readiness goes 503 while a migration is missing from the database, and back to 200 once it is there", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rulegate-ops-ready-"));
  const dbPath = join(dir, "rulegate.sqlite");
  const { DATABASE_URL } = await databaseEnv(dbPath);
  const node = await startNode(DATABASE_URL ? { DATABASE_URL } : { DB_PATH: dbPath });
  const raw = await rawDatabase(node, dbPath, DATABASE_URL);
  try {
    const [last] = await raw.run(`select * from ${raw.table} order by created_at desc limit 1`);
    await raw.run(`delete from ${raw.table} where created_at = ${Number(last!.created_at)}`);
    expect(await readinessBecomes(node, 503, 5_000)).toEqual({
      status: "unavailable",
      checks: { database: "ok", migrations: "pending", rules: "ok", shutdown: "ok" },
    });
    const columns = Object.keys(last!);
    const values = columns.map((column) => (last![column] === null ? "null" : `'${String(last![column])}'`));
    await raw.run(`insert into ${raw.table} (${columns.join(", ")}) values (${values.join(", ")})`);
    expect((await readinessBecomes(node, 200, 5_000)).status).toBe("ok");
  } finally {
    await raw.close();
    await node.kill();
    if (DATABASE_URL) await dropTestDatabase(DATABASE_URL);
  }
}, 60_000);

// An embedded SQLite file cannot become unreachable the way a database server can; on the
// PostgreSQL pass (TEST_DATABASE_URL) the node reaches its database through a proxy the test cuts.
if (testDatabaseUrl()) {
  test("readiness goes 503 while PostgreSQL is unreachable and back to 200 after", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rulegate-ops-ready-"));
    const { DATABASE_URL } = await databaseEnv(join(dir, "rulegate.sqlite"));
    const url = new URL(DATABASE_URL!);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    const node = await startNode({ DATABASE_URL: url.toString(), DATABASE_STATEMENT_TIMEOUT_MS: "1000" });
    try {
      const tenant = await seed(node);
      proxy.cut();
      expect(await readinessBecomes(node, 503, 20_000)).toEqual({
        status: "unavailable",
        checks: { database: "unavailable", migrations: "unknown", rules: "ok", shutdown: "ok" },
      });
      // Meanwhile exchanges fail fast with RFC 6749's temporarily_unavailable, and are counted so.
      const refused = await tenant.exchange();
      expect(refused.status).toBe(503);
      expect((await refused.json()).error).toBe("temporarily_unavailable");
      const outcome = { grant_type: "password", outcome: "temporarily_unavailable" };
      expect((await scrape(node)).value("rulegate_token_requests_total", outcome)).toBeGreaterThanOrEqual(1);
      proxy.restore();
      expect((await readinessBecomes(node, 200, 20_000)).status).toBe("ok");
      expect((await tenant.exchange()).status).toBe(200);
    } finally {
      proxy.restore();
      await node.kill();
      await proxy.close();
      await dropTestDatabase(DATABASE_URL!);
    }
  }, 90_000);
}
