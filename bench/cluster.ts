/**
 * `npm run bench:cluster`: what PostgreSQL costs a node, and what one database carries.
 *  1. One node, password exchanges/s and p99 at 16 connections, SQLite vs PostgreSQL (the
 *     seed's sample rule deployed on both), and the ratio PostgreSQL / SQLite.
 *  2. On PostgreSQL: statements and execution time per exchange (pg_stat_statements), and the
 *     database backends' CPU per exchange from /proc, hence the exchanges/s one PostgreSQL
 *     core serves and how many argon2-bound nodes one database carries.
 *  3. 1, 2 and 3 nodes (separate processes on one database, the 16 connections spread over
 *     them): total exchanges/s, p99, and each node's CPU per exchange (server + rule hosts).
 * Every database run gets a new database on BENCH_POSTGRES_URL's server, dropped afterwards.
 * BENCH_SECONDS (default 10) sets each phase's length. Prints its figures; asserts nothing.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { driveNodes, startExtraNode, stopAndWait } from "./support/nodes.ts";
import {
  type ActivityCounters,
  activityCounters,
  BENCH_POSTGRES_URL,
  type BenchDatabase,
  createBenchDatabase,
  rulegateBackendPids,
  statementDelta,
  statementsAvailable,
  statementTotals,
} from "./support/postgres.ts";
import { cpuByPid, cpuDelta, pidsNamed, processTree } from "./support/proc.ts";
import { type RunningServer, round, setSampleRule, startBenchServer } from "./support/server.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmUpSeconds = Math.min(2, seconds);
const CONNECTIONS = 16;
const NODE_COUNTS = [1, 2, 3];
/** PostgreSQL 15 flushes an idle backend's cumulative statistics within 10 s (PGSTAT_IDLE_INTERVAL). */
const STATS_SETTLE_MS = 11_000;
/** Long enough for the requests in flight when autocannon stops to finish on the server. */
const DRAIN_MS = 2000;
const cores = availableParallelism();
const sampleRule = readFileSync("rules/password-exchange.js", "utf8");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Measured {
  load: Awaited<ReturnType<typeof driveNodes>>;
  /** CPU seconds of each node's process tree (the server and its rule hosts) during the load. */
  nodeCpuSeconds: number[];
  generatorCores: number;
  postgres?: {
    statements?: ReturnType<typeof statementDelta>;
    /** CPU seconds of the backends serving the nodes. */
    backendCpuSeconds: number;
    /** CPU seconds of every process named postgres on this machine (other clients included). */
    allPostgresCpuSeconds: number;
    activity?: ActivityCounters;
  };
}

/** Which of PostgreSQL's counters a run reads besides /proc. */
type Counters = "statements" | "activity" | "none";

/** Warms the nodes up, then drives them for `seconds` and charges the CPU each side used. */
async function measure(nodes: RunningServer[], database?: BenchDatabase, counters: Counters = "none") {
  await driveNodes(nodes, CONNECTIONS, warmUpSeconds);
  await sleep(DRAIN_MS);
  let activityBefore: ActivityCounters | undefined;
  if (database && counters === "activity") {
    await sleep(STATS_SETTLE_MS); // let the warm-up's statistics land before the first reading
    activityBefore = await activityCounters(database.sql);
  }
  const nodeTrees = () => nodes.map((node) => cpuByPid(processTree(node.child.pid!)));
  const nodesBefore = nodeTrees();
  const backendsBefore = database ? cpuByPid(await rulegateBackendPids(database.sql)) : new Map();
  const allPostgresBefore = cpuByPid(pidsNamed("postgres"));
  const statementsBefore =
    database && counters === "statements" ? await statementTotals(database.sql) : undefined;
  const generatorBefore = process.cpuUsage();

  const load = await driveNodes(nodes, CONNECTIONS, seconds);

  const generator = process.cpuUsage(generatorBefore);
  await sleep(DRAIN_MS);
  const nodesAfter = nodeTrees();
  const allPostgresAfter = cpuByPid(allPostgresBefore.keys());
  const measured: Measured = {
    load,
    nodeCpuSeconds: nodesAfter.map((after, index) => cpuDelta(nodesBefore[index]!, after)),
    generatorCores: round((generator.user + generator.system) / 1e6 / load.seconds, 2),
  };
  if (database) {
    const backendPids = new Set([...backendsBefore.keys(), ...(await rulegateBackendPids(database.sql))]);
    measured.postgres = {
      backendCpuSeconds: cpuDelta(backendsBefore, cpuByPid(backendPids)),
      allPostgresCpuSeconds: cpuDelta(allPostgresBefore, allPostgresAfter),
      statements: statementsBefore && statementDelta(statementsBefore, await statementTotals(database.sql)),
    };
  }
  for (const node of nodes) await stopAndWait(node);
  if (database && activityBefore && measured.postgres) {
    // Exited backends have flushed their statistics.
    while ((await rulegateBackendPids(database.sql)).length > 0) await sleep(100);
    const after = await activityCounters(database.sql);
    measured.postgres.activity = {
      transactions: after.transactions - activityBefore.transactions,
      tuplesWritten: after.tuplesWritten - activityBefore.tuplesWritten,
      tableScans: after.tableScans - activityBefore.tableScans,
    };
  }
  return measured;
}

/** Starts `count` nodes on a new database (the first provisions the seed), measures, drops it. */
async function onPostgres(purpose: string, count: number, counters: Counters) {
  const database = await createBenchDatabase(purpose);
  const nodes: RunningServer[] = [];
  try {
    if (counters === "statements") await statementsAvailable(database.sql);
    const env = { DATABASE_URL: database.url };
    nodes.push(await startBenchServer("bun", env));
    await setSampleRule(nodes[0]!, sampleRule, true);
    for (let i = 1; i < count; i++) nodes.push(await startExtraNode(env, nodes[0]!.demoBody));
    return await measure(nodes, database, counters);
  } finally {
    for (const node of nodes) await stopAndWait(node);
    await database.drop();
  }
}

async function onSqlite() {
  const node = await startBenchServer("bun");
  try {
    await setSampleRule(node, sampleRule, true);
    return await measure([node]);
  } finally {
    await stopAndWait(node);
  }
}

/** Server-side costs are divided by the exchanges sent: those in flight at the end were served too. */
const perExchangeMs = (cpuSeconds: number, exchanges: number) => round((cpuSeconds * 1000) / exchanges);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

console.log(
  `cores: ${cores}; ${seconds} s per phase (+${warmUpSeconds} s warm-up), ${CONNECTIONS} connections; PostgreSQL at ${new URL(BENCH_POSTGRES_URL).host}`,
);

// pg_stat_statements needs the library preloaded; find out once, on a scratch database.
const probe = await createBenchDatabase("probe");
const statements = await statementsAvailable(probe.sql);
await probe.drop();
if (!statements.ok) {
  console.log(
    `\npg_stat_statements is not available (${statements.reason}).\n` +
      "To enable it (then restart PostgreSQL; keep any libraries already listed):\n" +
      `  psql -h 127.0.0.1 -U postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"\n` +
      "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart\n" +
      "Meanwhile: transactions, tuples written and table scans per exchange from pg_stat_database /\n" +
      `pg_stat_user_tables (read after the backends exit; +${STATS_SETTLE_MS / 1000} s settle per phase).`,
  );
}

// 1 and 2: one node, SQLite vs PostgreSQL.
console.log("\n1. one node, SQLite vs PostgreSQL…");
const sqlite = await onSqlite();
const single = await onPostgres("single", 1, statements.ok ? "statements" : "activity");
const ratio = round(single.load.rps / sqlite.load.rps);
console.log("\n| one node, 16 connections | exchanges/s | p50 ms | p99 ms | node CPU ms/exchange |");
console.log("|---|---|---|---|---|");
for (const [engine, run] of [
  ["SQLite", sqlite],
  ["PostgreSQL", single],
] as const) {
  console.log(
    `| ${engine} | ${run.load.rps} | ${run.load.p50_ms} | ${run.load.p99_ms} | ${perExchangeMs(run.nodeCpuSeconds[0]!, run.load.sent)} |`,
  );
}
console.log(
  `PostgreSQL / SQLite exchanges/s: ${ratio} (target ≥ 0.95: ${ratio >= 0.95 ? "met" : "not met"}); load generator used ${sqlite.generatorCores} / ${single.generatorCores} cores`,
);

console.log("\n2. PostgreSQL's cost per exchange (one node)");
const pg = single.postgres!;
const exchanges = single.load.sent;
if (pg.statements) {
  console.log(
    `statements per exchange: ${round(pg.statements.calls / exchanges, 2)} (pg_stat_statements, every statement, utility ones included); execution time per exchange: ${round(pg.statements.execMs / exchanges, 3)} ms`,
  );
  console.log("| statement | calls/exchange | exec ms/exchange |\n|---|---|---|");
  for (const entry of pg.statements.byQuery.filter((entry) => entry.calls >= exchanges / 100).slice(0, 20)) {
    const query = entry.query.replace(/\s+/g, " ");
    console.log(
      `| ${query.length > 100 ? `${query.slice(0, 97)}…` : query} | ${round(entry.calls / exchanges, 2)} | ${round(entry.execMs / exchanges, 4)} |`,
    );
  }
}
if (pg.activity) {
  console.log(
    `per exchange (pg_stat_database / pg_stat_user_tables): ${round(pg.activity.transactions / exchanges, 2)} transactions, ${round(pg.activity.tuplesWritten / exchanges, 2)} tuples written, ${round(pg.activity.tableScans / exchanges, 2)} table scans`,
  );
}
const backendCpuMs = (pg.backendCpuSeconds * 1000) / exchanges;
const allPostgresCpuMs = (pg.allPostgresCpuSeconds * 1000) / exchanges;
const perCore = backendCpuMs > 0 ? 1000 / backendCpuMs : Number.POSITIVE_INFINITY;
console.log(
  `PostgreSQL backend CPU per exchange: ${round(backendCpuMs)} ms (the node's backends, /proc); all postgres processes: ${round(allPostgresCpuMs)} ms (WAL writer, checkpointer and other clients of this server included)`,
);
console.log(
  `one PostgreSQL core serves ≈ ${round(perCore, 0)} exchanges/s (${round(1000 / allPostgresCpuMs, 0)} counting all postgres processes) = ≈ ${round(perCore / single.load.rps, 1)} argon2-bound nodes at ${single.load.rps} exchanges/s each`,
);

// 3: several nodes on one database.
console.log("\n3. nodes on one PostgreSQL database…");
const clusters: Array<{ nodes: number; run: Measured }> = [];
for (const count of NODE_COUNTS)
  clusters.push({ nodes: count, run: await onPostgres(`n${count}`, count, "none") });
console.log(
  "\n| nodes | exchanges/s | p50 ms | p99 ms | node CPU ms/exchange (each node) | all nodes CPU ms/exchange | PostgreSQL backend CPU ms/exchange |",
);
console.log("|---|---|---|---|---|---|---|");
for (const { nodes, run } of clusters) {
  const each = run.nodeCpuSeconds.map((cpu, index) => perExchangeMs(cpu, run.load.sentPerNode[index]!));
  console.log(
    `| ${nodes} | ${run.load.rps} | ${run.load.p50_ms} | ${run.load.p99_ms} | ${each.join(" / ")} | ${perExchangeMs(sum(run.nodeCpuSeconds), run.load.sent)} | ${perExchangeMs(run.postgres!.backendCpuSeconds, run.load.sent)} |`,
  );
}
console.log(
  `\nNote: these figures are CPU-bound on ${cores} cores: argon2id dominates each exchange and every node, ` +
    "its rule hosts, PostgreSQL and the load generator share the same cores, so more nodes do not add " +
    "throughput here. What carries over to real machines is the CPU per exchange: a node's, and the database's.",
);
