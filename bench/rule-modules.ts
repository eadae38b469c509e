/**
 * What `require` and outbound HTTP cost a rule, through real rule hosts on this machine:
 * - at start, the time from starting a host to its rule being loaded (`pool.compile`: a
 *   throwaway host starts, loads the rule, its top-level `require`s included), for a rule
 *   with no module, with lodash, with the built-ins bundle and `crypto`, and with axios,
 *   request and jsonwebtoken;
 * - per call, at 1 call at a time after a warm-up, a rule that returns a claim, one that uses
 *   lodash, one that signs an HS256 JWT with jsonwebtoken, and one that fetches a local
 *   service on its allowed host:port (the service itself answers in microseconds).
 * Installs the modules folder as the tests do (npm, once per machine).
 * Run: `npm run bench:modules`. Prints a table and writes bench/results/rule-modules.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "../src/logs/logger.ts";
import type { AnyRuleInput } from "../src/rules/contract.ts";
import { createRulePool } from "../src/rules/pool.ts";
import { ruleScript } from "../src/rules/rule-version.ts";
import { sampleRuleInput } from "../src/rules/sample-input.ts";
import { ruleModulesDir } from "../tests/support/rule-modules.ts";
import { round } from "./support/server.ts";

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const service = createServer((_request, response) => response.end('{"plan":"gold"}'));
await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
const port = (service.address() as AddressInfo).port;
const pool = createRulePool({
  config: {
    ruleWorkers: 1,
    ruleTimeoutMs: 5000,
    ruleMemoryMb: 128,
    ruleModulesDir: ruleModulesDir(),
    ruleAllowedHosts: [`127.0.0.1:${port}`],
  },
  log: createLogger("silent"),
});
const input = sampleRuleInput("t", "urn:x") as AnyRuleInput;
const rule = (top: string, claim: string) =>
  `${top}\nmodule.exports = async function (user, client, scope) { return { scope, accessToken: { 'https://x/c': ${claim} } }; };`;

const LOADS: Record<string, string> = {
  "no module": rule("", "1"),
  lodash: rule("const _ = require('lodash');", "1"),
  "built-ins bundle + crypto": rule("const crypto = require('crypto'); const b = Buffer.from('x');", "1"),
  "axios + request + jsonwebtoken": rule(
    "const axios = require('axios'); const request = require('request'); const jwt = require('jsonwebtoken');",
    "1",
  ),
};

const CALLS: Record<string, string> = {
  "a claim, no module": rule("", "1"),
  "lodash (_.uniq)": rule("const _ = require('lodash');", "_.uniq([1, 1, 2])"),
  "jsonwebtoken (HS256 sign)": rule(
    "const jwt = require('jsonwebtoken');",
    "jwt.sign({ sub: user.id }, 'secret', { algorithm: 'HS256' })",
  ),
  "fetch of the allowed service": rule("", `(await (await fetch('http://127.0.0.1:${port}/')).json()).plan`),
};

const loads: Record<string, { p50_ms: number; max_ms: number }> = {};
for (const [name, script] of Object.entries(LOADS)) {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    const error = await pool.compile(script);
    if (error) throw new Error(`${name}: ${JSON.stringify(error)}`);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  loads[name] = { p50_ms: round(percentile(samples, 0.5)), max_ms: round(samples.at(-1)!) };
}

const calls: Record<string, { p50_ms: number; p99_ms: number }> = {};
let version = 0;
for (const [name, script] of Object.entries(CALLS)) {
  const deployed = ruleScript(script, new Date(++version));
  const samples: number[] = [];
  for (let i = 0; i < 1200; i++) {
    const started = performance.now();
    const execution = await pool.execute(deployed, input, `bench-${i}`);
    if (execution.failure) throw new Error(`${name}: ${JSON.stringify(execution.failure)}`);
    if (i >= 200) samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  calls[name] = { p50_ms: round(percentile(samples, 0.5)), p99_ms: round(percentile(samples, 0.99)) };
}

await pool.close();
service.close();

console.log("host start to rule loaded (ms)     p50      max");
for (const [name, figures] of Object.entries(loads)) {
  console.log(
    `  ${name.padEnd(32)} ${String(figures.p50_ms).padStart(7)} ${String(figures.max_ms).padStart(8)}`,
  );
}
console.log("one call, in process (ms)          p50      p99");
for (const [name, figures] of Object.entries(calls)) {
  console.log(
    `  ${name.padEnd(32)} ${String(figures.p50_ms).padStart(7)} ${String(figures.p99_ms).padStart(8)}`,
  );
}
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./results/rule-modules.json", import.meta.url),
  `${JSON.stringify({ measured_at: new Date().toISOString(), loads, calls }, null, 2)}\n`,
);
