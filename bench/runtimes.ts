/**
 * Bun and Deno side by side (README, "Running on Deno"): time from process start to the
 * first successful password exchange on a new database, exchanges/s and latency at 16
 * connections without and with the seed's sample rule, and the rule's added mean latency.
 * Run: `npm run bench:runtimes` (BENCH_SECONDS per cell, default 8). Writes
 * bench/results/runtimes.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import {
  drive,
  firstExchangeMs,
  type RuntimeName,
  round,
  setSampleRule,
  startBenchServer,
} from "./support/server.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const sample = readFileSync("rules/password-exchange.js", "utf8");

async function measure(runtime: RuntimeName) {
  const startups = [];
  for (let i = 0; i < 3; i++) startups.push(await firstExchangeMs(runtime));
  const server = await startBenchServer(runtime);
  try {
    await setSampleRule(server, sample, false);
    await drive(server, 16, 2);
    const without = await drive(server, 16, seconds);
    await setSampleRule(server, sample, true);
    await drive(server, 16, 2);
    const withRule = await drive(server, 16, seconds);
    return {
      first_exchange_ms: startups.sort((a, b) => a - b)[1],
      c16_without_rule: without,
      c16_with_sample_rule: withRule,
      rule_overhead_mean_ms: round(withRule.mean_ms - without.mean_ms),
    };
  } finally {
    server.stop();
  }
}

const results = {
  date: new Date().toISOString(),
  cores: availableParallelism(),
  seconds_per_cell: seconds,
  bun: await measure("bun"),
  deno: await measure("deno"),
};
console.log("| | Bun | Deno |\n|---|---|---|");
const row = (label: string, pick: (r: typeof results.bun) => unknown) =>
  console.log(`| ${label} | ${pick(results.bun)} | ${pick(results.deno)} |`);
row("start to first exchange (new database, median of 3)", (r) => `${r.first_exchange_ms} ms`);
row("exchanges/s, 16 connections, no rule", (r) => r.c16_without_rule.rps);
row("exchanges/s, 16 connections, sample rule", (r) => r.c16_with_sample_rule.rps);
row(
  "mean latency without / with rule",
  (r) => `${r.c16_without_rule.mean_ms} / ${r.c16_with_sample_rule.mean_ms} ms`,
);
row("p99 without / with rule", (r) => `${r.c16_without_rule.p99_ms} / ${r.c16_with_sample_rule.p99_ms} ms`);
row("rule overhead (mean)", (r) => `${r.rule_overhead_mean_ms} ms`);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/runtimes.json", `${JSON.stringify(results, null, 2)}\n`);
