/**
 * An import job outlives a transient database error (PostgreSQL only): a table lock held past
 * the node's statement timeout makes a batch fail for a while; the job retries it with
 * back-off and completes with every record exactly once, instead of failing for good.
 */
import { afterAll, expect, test } from "bun:test";
import { stopAllServers } from "../support/server-process.ts";
import {
  CLUSTER_ADMIN_KEY,
  type ClusterDatabase,
  createClusterDatabase,
  sleep,
  startNode,
} from "./cluster.ts";

const RECORDS = 20_000;
let database: ClusterDatabase | undefined;

afterAll(async () => {
  stopAllServers();
  await database?.drop();
}, 30_000);

/** A users file of `count` records, as a JSON array. */
const usersFile = (count: number) =>
  JSON.stringify(
    Array.from({ length: count }, (_, index) => ({
      email: `locked${index}@example.com`,
      name: `User ${index}`,
      user_metadata: { note: "n".repeat(64) },
    })),
  );

type JobState = { status: string; processed: number; inserted: number; failed: number };

test("a 6 s table lock past the statement timeout mid-import: the batch is retried, the job completes with every record once", async () => {
  database = await createClusterDatabase();
  const { sql } = database;
  const node = await startNode({
    databaseUrl: database.url,
    issuer: "http://127.0.0.1:1/",
    env: { NODE_ENV: "production", DATABASE_STATEMENT_TIMEOUT_MS: "1000", JOB_LEASE_SECONDS: "10" },
  });
  const form = new FormData();
  form.append("users", new Blob([usersFile(RECORDS)], { type: "application/json" }), "users.json");
  const upload = await fetch(`${node.base}/api/v2/jobs/users-imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${CLUSTER_ADMIN_KEY}` },
    body: form,
  });
  expect(upload.status).toBe(202);
  const { id } = (await upload.json()) as { id: string };
  const state = async () =>
    (await sql<JobState[]>`select status, processed, inserted, failed from jobs where id = ${id}`)[0]!;

  for (let current = await state(); current.processed === 0; current = await state()) await sleep(10);
  const lockedAt = await state();
  // The users table locked for 6 s: every batch insert waits, and is cancelled after 1 s.
  await sql.begin(async (tx) => {
    await tx`lock table users in access exclusive mode`;
    await tx`select pg_sleep(6)`;
  });
  console.log(`users locked for 6 s from line ${lockedAt.processed} of ${RECORDS}`);

  const deadline = Date.now() + 90_000;
  let finished = await state();
  while (finished.status === "processing" || finished.status === "pending") {
    if (Date.now() > deadline) throw new Error(`the job never finished: ${JSON.stringify(finished)}`);
    await sleep(100);
    finished = await state();
  }
  const retries = node.output!()
    .stdout.split("\n")
    .filter((line) => line.includes('"event":"import_retry"')).length;
  console.log(`job ${finished.status} at ${finished.processed}; ${retries} retries logged`);
  expect(finished).toEqual({ status: "completed", processed: RECORDS, inserted: RECORDS, failed: 0 });
  const [landed] = await sql<{ users: number; lines: number }[]>`
    select count(*)::int as users, count(distinct import_line)::int as lines from users where import_job_id = ${id}`;
  expect(landed).toEqual({ users: RECORDS, lines: RECORDS });
  expect(retries).toBeGreaterThan(0);
}, 120_000);
