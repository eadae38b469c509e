/**
 * `npm run bench:pg-driver`: postgres.js (Rulegate's driver) against `pg` (node-postgres) on
 * Bun, on the hot path's query shapes: a primary-key select of a user row, an insert into a
 * logs-like table, an upsert of a failure counter. Pool of 10, 16 queries in flight at once.
 * Each driver runs the same SQL text with $n parameters, in two modes:
 *  - unnamed statements (parse + plan per query): what Drizzle asks of postgres.js for
 *    Rulegate's queries (it prepares only queries given a name), and `pg`'s default;
 *  - named prepared statements (parsed once per connection): postgres.js `prepare: true`,
 *    `pg` with a statement `name`.
 * Reports queries/s, client CPU per query (this process: the driver's own cost), and the
 * PostgreSQL backends' CPU per query (/proc). BENCH_SECONDS (default 5) per cell.
 * A new database on BENCH_POSTGRES_URL's server, dropped afterwards. Prints; asserts nothing.
 */
import pg from "pg";
import postgres from "postgres";
import { createBenchDatabase } from "./support/postgres.ts";
import { cpuByPid, cpuDelta } from "./support/proc.ts";
import { round } from "./support/server.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const warmUpSeconds = Math.min(1, seconds);
const POOL_SIZE = 10;
const CONCURRENCY = 16;
const USERS = 10_000;

/** The hot path's shapes, on stand-ins for Rulegate's tables (so schema changes leave this alone). */
const SCHEMA = `
  create table users (
    id text primary key, email text not null unique, email_verified boolean not null default false,
    name text not null, password_hash text not null, user_metadata jsonb not null,
    app_metadata jsonb not null, blocked boolean not null default false,
    created_at timestamptz not null, updated_at timestamptz not null);
  create table logs (
    seq bigserial primary key, log_id text not null unique, date timestamptz not null,
    type text not null, description text, ip text, user_agent text, client_id text,
    user_id text, details jsonb not null);
  create index logs_date on logs (date);
  create table login_failures (
    login text not null, ip text not null, failures integer not null,
    last_failure_at timestamptz not null, primary key (login, ip));`;

interface Shape {
  name: string;
  text: string;
  params(): unknown[];
}

const randomUser = () => `usr_${Math.floor(Math.random() * USERS)}`;
let logCounter = 0;
const SHAPES: Shape[] = [
  {
    name: "select user by primary key",
    text: `select id, email, email_verified, name, password_hash, user_metadata, app_metadata, blocked,
             created_at, updated_at from users where id = $1 limit 1`,
    params: () => [randomUser()],
  },
  {
    name: "insert log event",
    text: `insert into logs (log_id, date, type, description, ip, user_agent, client_id, user_id, details)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    params: () => [
      `log_${process.pid}_${logCounter++}_${Math.random().toString(36).slice(2)}`,
      new Date(),
      "seacft",
      "Successful exchange of user credentials for an access token",
      "127.0.0.1",
      "autocannon",
      "cli_bench",
      randomUser(),
      JSON.stringify({ audience: "https://someapi.com/api", scope: "read:sample" }),
    ],
  },
  {
    name: "upsert failure counter",
    text: `insert into login_failures (login, ip, failures, last_failure_at) values ($1, $2, 1, $3)
           on conflict (login, ip) do update
           set failures = login_failures.failures + 1, last_failure_at = excluded.last_failure_at`,
    params: () => [`${randomUser()}@example.com`, "127.0.0.1", new Date()],
  },
];

interface Driver {
  label: string;
  applicationName: string;
  run(shape: Shape, index: number): Promise<unknown>;
  end(): Promise<void>;
}

function postgresJs(url: string, prepare: boolean): Driver {
  const applicationName = `bench-postgresjs-${prepare ? "prepared" : "unnamed"}`;
  const sql = postgres(url, {
    max: POOL_SIZE,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
  return {
    label: `postgres.js, ${prepare ? "prepared (prepare: true, as Rulegate runs it)" : "unnamed (Drizzle's default)"}`,
    applicationName,
    // Dates and JSON text go as they are: postgres.js serializes a Date, and jsonb takes text.
    run: (shape) => sql.unsafe(shape.text, shape.params() as postgres.ParameterOrJSON<never>[], { prepare }),
    end: () => sql.end({ timeout: 5 }),
  };
}

function nodePostgres(url: string, named: boolean): Driver {
  const applicationName = `bench-pg-${named ? "named" : "unnamed"}`;
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, application_name: applicationName });
  // An idle connection the server ends (a restart) is an 'error' event: without a listener, a crash.
  pool.on("error", (error) => console.error(`pg pool: ${error.message}`));
  return {
    label: `pg, ${named ? "named prepared statements" : "unnamed (its default)"}`,
    applicationName,
    run: (shape, index) =>
      pool.query({ text: shape.text, values: shape.params(), ...(named ? { name: `shape_${index}` } : {}) }),
    end: () => pool.end(),
  };
}

/** Runs `shape` with CONCURRENCY loops for `duration` seconds; returns how many completed. */
async function hammer(driver: Driver, shape: Shape, index: number, duration: number) {
  let completed = 0;
  const end = performance.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await driver.run(shape, index);
        completed++;
      }
    }),
  );
  return completed;
}

const database = await createBenchDatabase("driver");
const rows: Array<{ driver: string; shape: string; qps: number; clientUs: number; backendUs: number }> = [];
try {
  await database.sql.unsafe(SCHEMA);
  await database.sql.unsafe(
    `insert into users select 'usr_' || n, 'user' || n || '@example.com', true, 'User ' || n,
       '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
       '{"plan":"gold"}', '{"roles":["reader"]}', false, now(), now()
     from generate_series(0, ${USERS - 1}) n`,
  );
  await database.sql`analyze`;
  console.log(
    `Bun ${process.versions.bun ?? "?"}; pool ${POOL_SIZE}, ${CONCURRENCY} in flight, ${seconds} s per cell (+${warmUpSeconds} s warm-up)\n`,
  );
  const drivers = [
    postgresJs(database.url, false),
    postgresJs(database.url, true),
    nodePostgres(database.url, false),
    nodePostgres(database.url, true),
  ];
  for (const driver of drivers) {
    try {
      for (const [index, shape] of SHAPES.entries()) {
        await hammer(driver, shape, index, warmUpSeconds);
        const pids = async () =>
          (
            await database.sql<Array<{ pid: number }>>`
              select pid from pg_stat_activity
              where datname = current_database() and application_name = ${driver.applicationName}`
          ).map((row) => row.pid);
        const backendsBefore = cpuByPid(await pids());
        const clientBefore = process.cpuUsage();
        const started = performance.now();
        const completed = await hammer(driver, shape, index, seconds);
        const elapsed = (performance.now() - started) / 1000;
        const client = process.cpuUsage(clientBefore);
        const backendSeconds = cpuDelta(
          backendsBefore,
          cpuByPid(new Set([...backendsBefore.keys(), ...(await pids())])),
        );
        rows.push({
          driver: driver.label,
          shape: shape.name,
          qps: round(completed / elapsed, 0),
          clientUs: round((client.user + client.system) / completed, 1),
          backendUs: round((backendSeconds * 1e6) / completed, 1),
        });
        const row = rows.at(-1)!;
        console.log(`${row.driver} | ${row.shape}: ${row.qps} queries/s`);
      }
    } finally {
      await driver.end();
    }
  }
} finally {
  await database.drop();
}

console.log("\n| shape | driver | queries/s | client CPU µs/query | PostgreSQL CPU µs/query |");
console.log("|---|---|---|---|---|");
for (const shape of SHAPES) {
  for (const row of rows.filter((entry) => entry.shape === shape.name)) {
    console.log(`| ${row.shape} | ${row.driver} | ${row.qps} | ${row.clientUs} | ${row.backendUs} |`);
  }
}
const find = (label: string, mode: string, shape: string) =>
  rows.find((row) => row.driver.startsWith(label) && row.driver.includes(mode) && row.shape === shape);
console.log("\npostgres.js / pg queries/s, prepared statements (Rulegate's mode):");
for (const shape of SHAPES) {
  const ours = find("postgres.js", "prepared", shape.name);
  const theirs = find("pg,", "prepared", shape.name);
  if (ours && theirs) console.log(`  ${shape.name}: ${round(ours.qps / theirs.qps, 2)}`);
}
console.log(
  "(client and database share this machine's cores: queries/s is bounded by both; the CPU columns separate them.)",
);
