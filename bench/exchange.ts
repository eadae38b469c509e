/**
 * `npm run bench`: password exchanges per second against the hashing bound (README,
 * "Performance").
 *
 * A real server process on loopback, driven by wrk (C, one thread, so the generator's own
 * CPU is small, and measured: the bound is computed on the cores left to the server).
 *  - bound: median argon2id verify + median signature (per algorithm), measured here, and
 *    the exchanges/s they allow on the cores the server has;
 *  - exchanges/s, p50/p99 at 1, 16 and 64 connections, without and with the sample rule,
 *    for RS256, ES256 and EdDSA APIs; efficiency = measured / bound; CPU per exchange;
 *  - the rule's added latency; idle and loaded RSS; start to first exchange.
 * Prints a table, writes bench/results/latest.json and two SVG charts.
 * BENCH_SECONDS (default 5) sets each cell's length.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { hash, verify } from "@node-rs/argon2";
import { generateKeyPair, SignJWT } from "jose";
import { ARGON2_PARAMS } from "../src/security/password-hasher.ts";
import { lineChart } from "./support/chart.ts";
import {
  ADMIN_KEY,
  firstExchangeMs,
  ROOT,
  type RunningServer,
  round,
  startBenchServer,
} from "./support/server.ts";

type Alg = "RS256" | "ES256" | "EdDSA";
const ALGS: Alg[] = ["RS256", "ES256", "EdDSA"];
const CONNECTIONS = [1, 16, 64];
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const cores = availableParallelism();
const TICKS = 100; // USER_HZ of /proc/<pid>/stat

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timeMedian(runs: number, run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

async function measureBound() {
  const phc = await hash("correct horse battery staple", ARGON2_PARAMS);
  const verifyMs = await timeMedian(41, () => verify(phc, "correct horse battery staple"));
  const signMs: Record<Alg, number> = { RS256: 0, ES256: 0, EdDSA: 0 };
  for (const alg of ALGS) {
    const { privateKey } = await generateKeyPair(alg);
    const claims = {
      iss: "http://localhost/",
      sub: "usr_x",
      aud: "urn:x",
      scope: "read:sample extra",
      client_id: "cli_x",
    };
    signMs[alg] = await timeMedian(301, () =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: "k", typ: "at+jwt" })
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(privateKey),
    );
  }
  // The same verify, on every core at once: memory-hard hashing contends for memory
  // bandwidth, so this (not cores / median) is what the machine can really hash.
  let verified = 0;
  const end = performance.now() + 3000;
  await Promise.all(
    Array.from({ length: cores }, async () => {
      while (performance.now() < end) {
        await verify(phc, "correct horse battery staple");
        verified++;
      }
    }),
  );
  return {
    verifyMs: round(verifyMs),
    parallelVerifiesPerSecond: round(verified / 3, 1),
    signMs: Object.fromEntries(ALGS.map((alg) => [alg, round(signMs[alg])])) as Record<Alg, number>,
  };
}

/** The server and its children (the rule hosts): their CPU and memory count as the server's. */
function processTree(pid: number): number[] {
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...children];
}
function procStat(pid: number) {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${member}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return { cpuSeconds: ticks / TICKS };
}
function rssMb(pid: number) {
  let kilobytes = 0;
  for (const member of processTree(pid)) {
    try {
      const line = readFileSync(`/proc/${member}/status`, "utf8")
        .split("\n")
        .find((entry) => entry.startsWith("VmRSS:"))!;
      kilobytes += Number(line.split(/\s+/)[1]);
    } catch {}
  }
  return Math.round(kilobytes / 1024);
}

async function admin(server: RunningServer, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.base}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** One wrk run; returns its summary and the CPU seconds wrk itself used. */
function wrk(server: RunningServer, bodyFile: string, connections: number, duration: number) {
  const command = `TIMEFORMAT='CPU %U %S'; time wrk -t1 -c${connections} -d${duration}s --timeout 10s -s bench/support/post.lua ${server.base}/oauth/token`;
  const result = spawnSync("bash", ["-c", command], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRK_BODY_FILE: bodyFile },
  });
  const summary = JSON.parse(/^RESULT (.*)$/m.exec(result.stdout)![1]!);
  const [, user, system] = /CPU ([\d.]+) ([\d.]+)/.exec(result.stderr)!;
  if (summary.errors > 0 || summary.non2xx > 0)
    throw new Error(`wrk saw ${summary.errors} errors, ${summary.non2xx} non-2xx`);
  return { ...summary, wrkCpuSeconds: Number(user) + Number(system) };
}

spawnSync("bash", ["scripts/ensure-wrk.sh"], { cwd: ROOT, stdio: "inherit" });
console.log(`cores: ${cores}; ${seconds} s per cell; measuring the bound…`);
const bound = await measureBound();
const startups = [await firstExchangeMs("bun"), await firstExchangeMs("bun"), await firstExchangeMs("bun")];

const server = await startBenchServer("bun");
const pid = server.child.pid!;
const sampleRule = readFileSync("rules/password-exchange.js", "utf8");
const demo = JSON.parse(server.demoBody);
await new Promise((resolve) => setTimeout(resolve, 1000)); // settle before the idle reading
const rssIdleMb = rssMb(pid);
let rssLoadedMb = rssIdleMb;
const rows: Array<Record<string, number | string>> = [];
try {
  const bodies: Record<Alg, string> = { RS256: "", ES256: "", EdDSA: "" };
  for (const alg of ALGS) {
    const audience = alg === "RS256" ? demo.audience : `https://bench-${alg.toLowerCase()}.example.com`;
    if (alg !== "RS256") {
      await admin(server, "POST", "/resource-servers", {
        identifier: audience,
        signing_alg: alg,
        scopes: [{ value: "read:sample", description: "" }],
      });
    }
    bodies[alg] = join(tmpdir(), `rulegate-bench-${alg}.json`);
    writeFileSync(bodies[alg], JSON.stringify({ ...demo, audience }));
  }
  for (const ruleOn of [false, true]) {
    await admin(server, "PUT", "/rules/password-exchange", { script: sampleRule, enabled: ruleOn });
    for (const alg of ALGS) {
      wrk(server, bodies[alg], 16, 1); // warm-up: JIT, key import, rule compile
      for (const connections of CONNECTIONS) {
        const before = procStat(pid).cpuSeconds;
        const sampler = setInterval(() => {
          rssLoadedMb = Math.max(rssLoadedMb, rssMb(pid));
        }, 200);
        const result = wrk(server, bodies[alg], connections, seconds);
        clearInterval(sampler);
        const serverCpu = procStat(pid).cpuSeconds - before;
        const elapsed = result.duration_us / 1e6;
        const rps = result.requests / elapsed;
        const generatorCores = result.wrkCpuSeconds / elapsed;
        const boundRps = ((cores - generatorCores) * 1000) / (bound.verifyMs + bound.signMs[alg]);
        // Measured hashing capacity of all cores, plus the signature spread over them.
        const hashingBoundRps =
          (cores - generatorCores) /
          cores /
          (1 / bound.parallelVerifiesPerSecond + bound.signMs[alg] / 1000 / cores);
        rows.push({
          alg,
          rule: ruleOn ? "sample" : "none",
          connections,
          rps: round(rps, 1),
          p50_ms: round(result.p50_us / 1000),
          p99_ms: round(result.p99_us / 1000),
          mean_ms: round(result.mean_us / 1000),
          cpu_ms_per_exchange: round((serverCpu * 1000) / result.requests),
          generator_cores: round(generatorCores),
          bound_rps: round(boundRps, 1),
          efficiency: round(rps / boundRps),
          hashing_bound_rps: round(hashingBoundRps, 1),
          efficiency_vs_hashing: round(rps / hashingBoundRps),
        });
        console.log(JSON.stringify(rows.at(-1)));
      }
    }
  }
} finally {
  server.stop();
}

const cell = (alg: Alg, rule: string, connections: number) =>
  rows.find((row) => row.alg === alg && row.rule === rule && row.connections === connections)!;
const ruleOverhead = Object.fromEntries(
  ALGS.flatMap((alg) =>
    [1, 16].map((connections) => [
      `${alg}_c${connections}`,
      {
        p50_ms: round(
          Number(cell(alg, "sample", connections).p50_ms) - Number(cell(alg, "none", connections).p50_ms),
        ),
        p99_ms: round(
          Number(cell(alg, "sample", connections).p99_ms) - Number(cell(alg, "none", connections).p99_ms),
        ),
      },
    ]),
  ),
);
const results = {
  date: new Date().toISOString(),
  machine: { cores, runtime: `bun ${process.versions.bun ?? "?"}` },
  seconds_per_cell: seconds,
  bound: {
    argon2id_verify_ms: bound.verifyMs,
    parallel_verifies_per_second: bound.parallelVerifiesPerSecond,
    sign_ms: bound.signMs,
    params: ARGON2_PARAMS,
  },
  start_to_first_exchange_ms: median(startups),
  rss_mb: { idle: rssIdleMb, loaded: rssLoadedMb },
  rule_overhead: ruleOverhead,
  cells: rows,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", `${JSON.stringify(results, null, 2)}\n`);

const series = (metric: string) =>
  ALGS.flatMap((alg) =>
    ["none", "sample"].map((rule) => ({
      name: `${alg}${rule === "sample" ? " + rule" : ""}`,
      points: CONNECTIONS.map(
        (connections) => [connections, Number(cell(alg, rule, connections)[metric])] as [number, number],
      ),
    })),
  );
writeFileSync(
  "bench/results/throughput.svg",
  lineChart("Password exchanges/s by connections", "connections", "exchanges/s", series("rps")),
);
writeFileSync(
  "bench/results/latency.svg",
  lineChart("p50 (solid) and p99 (dashed) latency by connections", "connections", "ms", [
    ...series("p50_ms"),
    ...series("p99_ms").map((entry) => ({ ...entry, name: `${entry.name} p99`, dashed: true })),
  ]),
);

console.log(
  `\nbound: argon2id verify ${bound.verifyMs} ms (${bound.parallelVerifiesPerSecond}/s on all ${cores} cores at once); sign RS256 ${bound.signMs.RS256} ms, ES256 ${bound.signMs.ES256} ms, EdDSA ${bound.signMs.EdDSA} ms`,
);
console.log(
  `start to first exchange ${results.start_to_first_exchange_ms} ms (median of 3); RSS idle ${rssIdleMb} MB, loaded ${rssLoadedMb} MB\n`,
);
console.log(
  "| alg | rule | conns | exchanges/s | p50 ms | p99 ms | CPU ms/exchange | bound/s | efficiency | hashing bound/s | efficiency vs hashing |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const row of rows) {
  console.log(
    `| ${row.alg} | ${row.rule} | ${row.connections} | ${row.rps} | ${row.p50_ms} | ${row.p99_ms} | ${row.cpu_ms_per_exchange} | ${row.bound_rps} | ${row.efficiency} | ${row.hashing_bound_rps} | ${row.efficiency_vs_hashing} |`,
  );
}
console.log("\nrule overhead (sample rule minus none):", JSON.stringify(ruleOverhead));
