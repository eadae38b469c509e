/**
 * `npm run bench:overhead`: where one password exchange's CPU goes, thread by thread.
 *
 * A real server process (the development defaults: the demo's API, client, user and sample rule),
 * sent exchanges one at a time over loopback, so that no two compete for a core. Before and
 * after, the CPU time of each of the server's threads and of its rule hosts is read from
 * /proc (Linux only). Per exchange it prints:
 *  - the hashing threads' CPU (the argon2id verify, and on Bun the RS256 signature, run
 *    on the runtime's pool threads);
 *  - the main thread's CPU: HTTP, JSON, the database statements, the rule host round trip,
 *    the log event: everything beyond the hash and the signature (README, "Performance");
 *  - the compiler threads, the rule hosts, and the rest.
 * EXCHANGES (default 400) sets the sample; the first 100 warm up and are not counted.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpuByPid, processTree } from "./support/proc.ts";
import { round, startBenchServer } from "./support/server.ts";

const exchanges = Number(process.env.EXCHANGES ?? 400);
const TICKS_MS = 10; // one USER_HZ tick of /proc/<pid>/stat

/** utime + stime of a /proc stat line, in ticks (fields after the command name). */
const ticksOf = (stat: string) => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
};

/** Thread name → ticks, for the server's threads; "rule hosts" for every descendant process. */
function cpuByThread(pid: number): Map<string, number> {
  const totals = new Map<string, number>();
  const add = (name: string, ticks: number) => totals.set(name, (totals.get(name) ?? 0) + ticks);
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const base = `/proc/${pid}/task/${tid}`;
    const name = Number(tid) === pid ? "main thread" : readFileSync(`${base}/comm`, "utf8").trim();
    add(name.replace(/\s*\d+$/, ""), ticksOf(readFileSync(`${base}/stat`, "utf8")));
  }
  const hosts = processTree(pid).filter((child) => child !== pid);
  for (const seconds of cpuByPid(hosts).values()) add("rule hosts", seconds * 100);
  return totals;
}

const server = await startBenchServer("bun", { LOG_LEVEL: "info" });
try {
  const exchange = async () => {
    const response = await fetch(`${server.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: server.demoBody,
    });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`exchange failed: ${response.status} ${body}`);
  };
  for (let i = 0; i < 100; i++) await exchange();
  const pid = server.child.pid!;
  const before = cpuByThread(pid);
  const started = performance.now();
  for (let i = 0; i < exchanges; i++) await exchange();
  const wallMs = (performance.now() - started) / exchanges;
  const after = cpuByThread(pid);
  const rows = [...after]
    .map(([name, ticks]) => ({ name, ms: ((ticks - (before.get(name) ?? 0)) * TICKS_MS) / exchanges }))
    .filter((row) => row.ms > 0)
    .sort((a, b) => b.ms - a.ms);
  console.log(`${exchanges} exchanges one at a time; wall ${round(wallMs, 2)} ms each`);
  console.log("CPU per exchange (ms):");
  for (const row of rows) console.log(`  ${row.name.padEnd(20)} ${round(row.ms, 2)}`);
  const total = rows.reduce((sum, row) => sum + row.ms, 0);
  console.log(`  ${"total".padEnd(20)} ${round(total, 2)}`);
} finally {
  server.stop();
}
