/**
 * User search at 100,000 users: the time of typical `GET /api/v2/users?q=` queries (one page
 * of 50 plus the total, as `include_totals=true` asks), in process on the query module.
 * SQLite by default; PostgreSQL with DATABASE_URL (a database this script may fill).
 * Run: `bun bench/user-search.ts` (USERS=… to change the 100,000). Prints a table.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { countUsers, insertImportedUsers, listUsers, userSearch } from "../src/db/users.ts";
import { detectRuntime } from "../src/runtime/runtime.ts";

const USERS = Number(process.env.USERS ?? 100_000);
const RUNS = 20;
const dir = mkdtempSync(join(tmpdir(), "rulegate-search-"));
const runtime = await detectRuntime();
const config = loadConfig(
  {
    DB_PATH: join(dir, "db.sqlite"),
    ADMIN_API_KEY: "bench-admin-key-0123456789",
    LOG_LEVEL: "silent",
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  },
  availableParallelism(),
);
const { db, close } = await openDatabase(runtime, config);

const PLANS = ["free", "silver", "gold"];
const FIRST = ["jane", "john", "ann", "li", "omar", "sofia", "yuki", "pat"];
const start = Date.parse("2024-01-01T00:00:00Z");
const loadStarted = performance.now();
for (let offset = 0; offset < USERS; offset += 500) {
  const rows = [];
  for (let i = offset; i < Math.min(USERS, offset + 500); i++) {
    const first = FIRST[i % FIRST.length]!;
    const at = new Date(start + i * 60_000);
    rows.push({
      id: `auth0|${i.toString(16).padStart(24, "0")}`,
      email: `${first}.${i}@example${i % 50}.com`,
      emailVerified: i % 3 === 0,
      name: `${first[0]!.toUpperCase()}${first.slice(1)} User${i}`,
      givenName: first,
      passwordHash: "!",
      userMetadata: { lang: i % 2 ? "en" : "fr" },
      appMetadata: { plan: PLANS[i % 3], roles: i % 10 === 0 ? ["admin"] : ["reader"] },
      blocked: i % 97 === 0,
      loginsCount: i % 20,
      createdAt: at,
      updatedAt: at,
    });
  }
  await insertImportedUsers(db, rows);
}
console.log(`${USERS} users loaded in ${Math.round(performance.now() - loadStarted)} ms (${db.engine})`);

const QUERIES = [
  "(no q: the default list)",
  "email:jane.8@example8.com",
  'name:"jane user8"',
  "name:jane*",
  "email:john.1*",
  "created_at:[2024-02-01 TO 2024-02-07]",
  "app_metadata.plan:gold",
  "app_metadata.roles:admin AND blocked:false",
  "logins_count:[10 TO *] AND email_verified:true",
  "NOT _exists_:family_name AND user_metadata.lang:fr",
];

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log("query | page ms (median) | total ms (median) | matches");
for (const q of QUERIES) {
  const where = q.startsWith("(") ? undefined : userSearch(db, q);
  const pages: number[] = [];
  const totals: number[] = [];
  let total = 0;
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now();
    await listUsers(db, { page: 0, perPage: 50 }, { where });
    pages.push(performance.now() - started);
    started = performance.now();
    total = await countUsers(db, where);
    totals.push(performance.now() - started);
  }
  console.log(`${q} | ${median(pages).toFixed(2)} | ${median(totals).toFixed(2)} | ${total}`);
}
await close();
rmSync(dir, { recursive: true, force: true });
