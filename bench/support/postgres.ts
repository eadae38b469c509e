/**
 * Shared by the PostgreSQL benchmarks: a fresh database per run on the local server, and
 * the server's own counters (pg_stat_statements, pg_stat_database, pg_stat_user_tables).
 */
import postgres from "postgres";

/** The server the benchmarks create their databases on (trust auth on loopback by default). */
export const BENCH_POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  name: string;
  url: string;
  /** A connection to the database, for the benchmark's own queries (its application_name is "rulegate-bench"). */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** Creates a new, empty database named after `purpose`; `drop()` ends every connection to it and drops it. */
export async function createBenchDatabase(purpose: string): Promise<BenchDatabase> {
  const name = `rg_bench_${purpose}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = postgres(BENCH_POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "rulegate-bench" },
  });
  return {
    name,
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * Whether pg_stat_statements can be read in this database: the extension is created here,
 * and reading it fails unless the server preloads the library (`shared_preload_libraries`).
 */
export async function statementsAvailable(
  sql: postgres.Sql,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`select 1 from pg_stat_statements limit 1`;
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export interface StatementTotals {
  calls: number;
  execMs: number;
  /** Per normalized statement: calls and execution time. */
  byQuery: Map<string, { calls: number; execMs: number }>;
}

/** pg_stat_statements' counters for this database, without the benchmark's own queries. */
export async function statementTotals(sql: postgres.Sql): Promise<StatementTotals> {
  const rows = await sql<Array<{ query: string; calls: string; exec_ms: number }>>`
    select s.query, sum(s.calls)::text as calls, sum(s.total_exec_time)::float8 as exec_ms
    from pg_stat_statements s
    where s.dbid = (select oid from pg_database where datname = current_database())
      and s.query not ilike '%pg_stat%' and s.query not ilike '%pg_stat_statements%'
    group by s.query`;
  const byQuery = new Map(rows.map((row) => [row.query, { calls: Number(row.calls), execMs: row.exec_ms }]));
  let calls = 0;
  let execMs = 0;
  for (const entry of byQuery.values()) {
    calls += entry.calls;
    execMs += entry.execMs;
  }
  return { calls, execMs, byQuery };
}

/** The difference of two readings, statements sorted by calls (most first). */
export function statementDelta(before: StatementTotals, after: StatementTotals) {
  const byQuery = [...after.byQuery]
    .map(([query, entry]) => ({
      query,
      calls: entry.calls - (before.byQuery.get(query)?.calls ?? 0),
      execMs: entry.execMs - (before.byQuery.get(query)?.execMs ?? 0),
    }))
    .filter((entry) => entry.calls > 0)
    .sort((a, b) => b.calls - a.calls);
  return { calls: after.calls - before.calls, execMs: after.execMs - before.execMs, byQuery };
}

/** The backends serving Rulegate nodes (their application_name) in this database. */
export async function rulegateBackendPids(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<Array<{ pid: number }>>`
    select pid from pg_stat_activity
    where datname = current_database() and application_name = 'rulegate'`;
  return rows.map((row) => row.pid);
}

export interface ActivityCounters {
  transactions: number;
  tuplesWritten: number;
  /** Sequential plus index scans started on the user tables. */
  tableScans: number;
}

/**
 * Cumulative statistics of this database. PostgreSQL 15 backends flush these at most once a
 * second while busy and within 10 s once idle, or when they exit: read them after the
 * backends are gone (or have been idle > 10 s), not right after the load.
 */
export async function activityCounters(sql: postgres.Sql): Promise<ActivityCounters> {
  await sql`select pg_stat_clear_snapshot()`;
  const [database] = await sql<Array<{ transactions: string; written: string }>>`
    select (xact_commit + xact_rollback)::text as transactions,
           (tup_inserted + tup_updated + tup_deleted)::text as written
    from pg_stat_database where datname = current_database()`;
  const [tables] = await sql<Array<{ scans: string }>>`
    select coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)::text as scans
    from pg_stat_user_tables`;
  return {
    transactions: Number(database!.transactions),
    tuplesWritten: Number(database!.written),
    tableScans: Number(tables!.scans),
  };
}
