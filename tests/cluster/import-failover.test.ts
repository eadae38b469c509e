/**
 * Import jobs survive their node (PostgreSQL only): real server processes on one fresh
 * database, with a short JOB_LEASE_SECONDS. A node killed mid-import leaves its job to
 * another node, which resumes it once the lease expires; every record lands exactly once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { claimNextJob, insertJob } from "../../src/db/jobs.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { portOf, startServer, stopAllServers } from "../support/server-process.ts";

const SERVER = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ADMIN_KEY = "failover-admin-key-0123456789abcdef";
const LEASE_SECONDS = 2;
const RECORDS = 20_000;
/**
 * Records of each job in the concurrent test: enough that a job outlasts several leases on a
 * fast machine too (20,000 took 1.6 s on one, under the 2 s lease, which proved nothing).
 */
const LONG_RECORDS = 80_000;

let databaseUrl: string;
let sql: postgres.Sql;
const databaseName = `rulegate_import_failover_${Date.now()}_${process.pid}`;

async function onServer<T>(work: (server: postgres.Sql) => Promise<T>): Promise<T> {
  const server = postgres(SERVER, { max: 1, onnotice: () => {} });
  try {
    return await work(server);
  } finally {
    await server.end();
  }
}

beforeAll(async () => {
  await onServer((server) => server`create database ${server(databaseName)}`);
  const url = new URL(SERVER);
  url.pathname = `/${databaseName}`;
  databaseUrl = url.toString();
  sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  stopAllServers();
  await sql?.end();
  await onServer((server) => server`drop database if exists ${server(databaseName)} with (force)`);
}, 30_000);

type Node = Awaited<ReturnType<typeof startNode>>;

/** One Rulegate node on the shared database. */
async function startNode() {
  const server = await startServer(
    {
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      NODE_ENV: "production",
      JOB_LEASE_SECONDS: String(LEASE_SECONDS),
    },
    /"event":"listening"/,
  );
  await server.done;
  const base = `http://127.0.0.1:${portOf(server.output().stdout)}`;
  /** The jobs this node logged claiming, with the line it started from. */
  const claims = () =>
    server
      .output()
      .stdout.split("\n")
      .filter((line) => line.includes('"event":"import_claimed"'))
      .map((line) => JSON.parse(line) as { job_id: string; from_line: number });
  return { ...server, base, claims };
}

/** A users file of `count` records (about 150 bytes each), as a JSON array. */
const usersFile = (prefix: string, count: number) =>
  JSON.stringify(
    Array.from({ length: count }, (_, index) => ({
      email: `${prefix}${index}@example.com`,
      name: `User ${index}`,
      user_metadata: { note: "n".repeat(64) },
    })),
  );

async function upload(node: Node, content: string): Promise<string> {
  const form = new FormData();
  form.append("users", new Blob([content], { type: "application/json" }), "users.json");
  const response = await fetch(`${node.base}/api/v2/jobs/users-imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    body: form,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

type JobState = { status: string; processed: number; lease_owner: string | null };
const jobState = async (id: string) =>
  (await sql<JobState[]>`select status, processed, lease_owner from jobs where id = ${id}`)[0]!;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** Every record of the job landed exactly once, and the job says so. */
async function expectExactlyOnce(node: Node, id: string, prefix: string, count: number) {
  const response = await fetch(`${node.base}/api/v2/jobs/${id}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  const job = (await response.json()) as { status: string; summary: Record<string, number> };
  expect(job.status).toBe("completed");
  expect(job.summary).toEqual({ total: count, inserted: count, updated: 0, failed: 0 });
  const [landed] = await sql<{ users: number; emails: number; lines: number }[]>`
    select count(*)::int as users, count(distinct email)::int as emails, count(distinct import_line)::int as lines
    from users where email like ${`${prefix}%`}`;
  expect(landed).toEqual({ users: count, emails: count, lines: count });
  const [ofJob] = await sql<
    { users: number }[]
  >`select count(*)::int as users from users where import_job_id = ${id}`;
  expect(ofJob!.users).toBe(count);
  const [chunks] = await sql<
    { left: number }[]
  >`select count(*)::int as left from job_files where job_id = ${id}`;
  expect(chunks!.left).toBe(0);
}

describe("import jobs across nodes (PostgreSQL)", () => {
  test("claims racing on many connections take each job once (FOR UPDATE SKIP LOCKED)", async () => {
    const { db, close } = await openPostgres({ url: databaseUrl, poolSize: 8, statementTimeoutMs: 5000 });
    try {
      const now = new Date();
      const ids = Array.from({ length: 6 }, (_, index) => `job_race${index}`);
      for (const [index, id] of ids.entries()) {
        await insertJob(db, {
          id,
          type: "users_import",
          status: "pending",
          upsert: false,
          createdAt: new Date(now.getTime() - 1000 + index),
          updatedAt: now,
        });
      }
      const claims = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          claimNextJob(db, { owner: `node_racer${index}`, ms: 60_000 }, new Date()),
        ),
      );
      const claimed = claims.flatMap((job) => (job ? [job.id] : []));
      expect(claimed.sort()).toEqual(ids);
      await sql`delete from jobs where id in ${sql(ids)}`;
    } finally {
      await close();
    }
  });

  test("a node killed mid-import: another resumes the job after the lease expires, every record once", async () => {
    const a = await startNode();
    const id = await upload(a, usersFile("failover", RECORDS));
    // Kill A once some batches are stored and the rest are not.
    const at = await waitFor(
      "the import to be under way",
      async () => {
        const state = await jobState(id);
        return state.processed > 0 && state.processed < RECORDS ? state : undefined;
      },
      30_000,
    );
    a.child.kill("SIGKILL");
    await a.done;
    expect(a.claims().map((claim) => claim.job_id)).toEqual([id]);
    const killedAt = Date.now();
    const stopped = await jobState(id);
    expect(stopped.status).toBe("processing");
    expect(stopped.processed).toBeLessThan(RECORDS);
    expect(stopped.processed).toBeGreaterThanOrEqual(at.processed);

    const b = await startNode();
    const done = await waitFor(
      "B to complete the job",
      async () => ((await jobState(id)).status === "completed" ? true : undefined),
      60_000,
    );
    expect(done).toBe(true);
    const [resumed] = b.claims();
    expect(resumed?.job_id).toBe(id);
    expect(resumed!.from_line).toBeGreaterThan(0);
    // Not before A's lease (renewed at most a third of a lease before the kill) expired.
    expect(Date.now() - killedAt).toBeGreaterThan(((LEASE_SECONDS * 2) / 3) * 1000 - 500);
    await expectExactlyOnce(b, id, "failover", RECORDS);
    b.child.kill("SIGKILL");
    await b.done;
  }, 120_000);

  test("two live nodes never run the same job at once: each job has one owner until it is done", async () => {
    const [a, b] = await Promise.all([startNode(), startNode()]);
    // Both nodes claim at once: two uploads, one to each, and both nodes polling.
    const [first, second] = await Promise.all([
      upload(a, usersFile("concurrent-a", LONG_RECORDS)),
      upload(b, usersFile("concurrent-b", LONG_RECORDS)),
    ]);
    const owners = new Map<string, Set<string>>([
      [first, new Set()],
      [second, new Set()],
    ]);
    await waitFor(
      "both jobs to complete",
      async () => {
        let completed = 0;
        for (const [id, seen] of owners) {
          const state = await jobState(id);
          if (state.status === "processing" && state.lease_owner) seen.add(state.lease_owner);
          if (state.status === "completed") completed++;
        }
        return completed === owners.size ? true : undefined;
      },
      90_000,
    );
    // Each job ran for longer than a lease: renewals kept it with the node that claimed it.
    const runs = await sql<{ ms: number }[]>`
        select (extract(epoch from updated_at - created_at) * 1000)::int as ms from jobs where id in ${sql([first, second])}`;
    for (const run of runs) expect(run.ms).toBeGreaterThan(LEASE_SECONDS * 1000);
    for (const seen of owners.values()) expect(seen.size).toBe(1);
    const claimed = [...a.claims(), ...b.claims()].map((claim) => claim.job_id).sort();
    expect(claimed).toEqual([first, second].sort());
    for (const node of [a, b]) expect(node.output().stdout).not.toContain("import_lease_lost");
    await expectExactlyOnce(a, first, "concurrent-a", LONG_RECORDS);
    await expectExactlyOnce(b, second, "concurrent-b", LONG_RECORDS);
  }, 120_000);
});
