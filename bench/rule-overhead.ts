/**
 * The rule step's added latency, measured two ways on this machine:
 *  1. in-process: `runRule` (database read of the rule and secrets + the warm worker
 *     round trip + result checks) with the seed's sample rule, at 1 and 16 concurrent calls;
 *  2. end to end: a real server process on loopback, password exchanges driven by
 *     autocannon at 1 and 16 connections, with the sample rule and with no rule; the
 *     difference of the latencies is the rule's overhead as a client sees it.
 * Run: `npm run bench:rule`. Prints a table and writes bench/results/rule-overhead.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrap } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { saveRule } from "../src/db/rule.ts";
import { createLogger } from "../src/logs/logger.ts";
import { runRule } from "../src/oauth/run-rule.ts";
import { createRulePool } from "../src/rules/pool.ts";
import { sampleRuleInput } from "../src/rules/sample-input.ts";
import { detectRuntime } from "../src/runtime/runtime.ts";
import { ADMIN_KEY, drive, round, setSampleRule, startBenchServer } from "./support/server.ts";

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function inProcess(concurrency: number, calls: number) {
  const dir = mkdtempSync(join(tmpdir(), "rulegate-bench-"));
  const runtime = await detectRuntime();
  const config = loadConfig(
    { DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: "silent" },
    availableParallelism(),
  );
  const { db, close } = await openDatabase(runtime, config);
  const log = createLogger("silent");
  const rules = createRulePool({ config, log });
  const { deps } = await bootstrap({ config, db, log, rules });
  await saveRule(db, {
    script: readFileSync("rules/password-exchange.js", "utf8"),
    enabled: true,
    updatedAt: new Date(),
  });
  const input = sampleRuleInput("default", "https://someapi.com/api");
  const once = async () => {
    const started = performance.now();
    await runRule(deps, { ...input, scope: [...input.scope] }, "bench");
    return performance.now() - started;
  };
  for (let i = 0; i < 500; i++) await once();
  const samples: number[] = [];
  let remaining = calls;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (remaining-- > 0) samples.push(await once());
    }),
  );
  await rules.close();
  close();
  rmSync(dir, { recursive: true, force: true });
  samples.sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(samples, 0.5)),
    p99_ms: round(percentile(samples, 0.99)),
    calls: samples.length,
  };
}

/** One concurrency level of the end-to-end run: both measurements and their difference. */
interface EndToEndCell {
  without_rule: Awaited<ReturnType<typeof drive>>;
  with_sample_rule: Awaited<ReturnType<typeof drive>>;
  rule_overhead_mean_ms: number;
  rule_overhead_p50_ms: number;
  rule_overhead_p99_ms: number;
}

async function endToEnd(seconds: number) {
  const server = await startBenchServer("bun");
  const script = readFileSync("rules/password-exchange.js", "utf8");
  const rows: Record<string, EndToEndCell> = {};
  try {
    for (const connections of [1, 16]) {
      await setSampleRule(server, script, false);
      await drive(server, connections, 2);
      const without = await drive(server, connections, seconds);
      await setSampleRule(server, script, true);
      await drive(server, connections, 2);
      const withRule = await drive(server, connections, seconds);
      rows[`c${connections}`] = {
        without_rule: without,
        with_sample_rule: withRule,
        rule_overhead_mean_ms: round(withRule.mean_ms - without.mean_ms),
        rule_overhead_p50_ms: round(withRule.p50_ms - without.p50_ms),
        rule_overhead_p99_ms: round(withRule.p99_ms - without.p99_ms),
      };
    }
  } finally {
    server.stop();
  }
  return rows;
}

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const results = {
  date: new Date().toISOString(),
  machine: { cores: availableParallelism(), runtime: `bun ${process.versions.bun ?? "?"}` },
  in_process_rule_step: { c1: await inProcess(1, 5000), c16: await inProcess(16, 5000) },
  end_to_end: await endToEnd(seconds),
};
console.log("Rule step, in process (sample rule; DB read + rule host round trip + checks):");
console.table(results.in_process_rule_step);
console.log(
  `End to end, autocannon ${seconds}s per cell (password exchange incl. argon2id verify + RS256 signature):`,
);
for (const [cell, row] of Object.entries(results.end_to_end)) {
  const { without_rule: a, with_sample_rule: b, ...overhead } = row;
  console.log(
    `${cell}: without rule ${a.rps} req/s mean ${a.mean_ms} p50 ${a.p50_ms} p99 ${a.p99_ms} ms | ` +
      `with rule ${b.rps} req/s mean ${b.mean_ms} p50 ${b.p50_ms} p99 ${b.p99_ms} ms | ` +
      `overhead mean ${overhead.rule_overhead_mean_ms} p50 ${overhead.rule_overhead_p50_ms} p99 ${overhead.rule_overhead_p99_ms} ms`,
  );
}
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/rule-overhead.json", `${JSON.stringify(results, null, 2)}\n`);
