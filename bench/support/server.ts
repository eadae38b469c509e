/** Shared by the benchmarks: a real Rulegate process on loopback, and autocannon against it. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ADMIN_KEY = "bench-admin-key-0123456789abcdef";
export type RuntimeName = "bun" | "deno";

const COMMANDS: Record<RuntimeName, string[]> = {
  bun: [join(ROOT, "node_modules/.bin/bun"), "src/main.ts"],
  deno: [join(ROOT, "node_modules/.bin/deno"), "run", "--allow-all", "src/main.ts"],
};

export interface RunningServer {
  base: string;
  /** The seed's request body, from the printed curl. */
  demoBody: string;
  child: ChildProcess;
  stop(): void;
}

export const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

/** Starts a server on a new database (demo provisioned) and waits for its printed curl. */
export async function startBenchServer(
  runtime: RuntimeName,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), `rulegate-bench-${runtime}-`));
  const port = 39_000 + Math.floor(Math.random() * 1000);
  const [command, ...rest] = COMMANDS[runtime];
  // BENCH_RUNTIME_FLAGS passes flags to the runtime (a profiler's, say) before the entry point.
  const flags = process.env.BENCH_RUNTIME_FLAGS?.split(" ").filter(Boolean) ?? [];
  const args = [...rest.slice(0, -1), ...flags, ...rest.slice(-1)];
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      DB_PATH: join(dir, "db.sqlite"),
      PORT: String(port),
      LOG_LEVEL: "warn",
      ADMIN_API_KEY: ADMIN_KEY,
      ...env,
    },
  });
  let stdout = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${runtime} server did not start: ${stdout}`)), 30_000);
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      if (/^curl /m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    demoBody: /-d '(.*)'$/m.exec(stdout)![1]!,
    child,
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deploys (or disables) the seed's sample rule through the management API. */
export async function setSampleRule(server: RunningServer, script: string, enabled: boolean): Promise<void> {
  const response = await fetch(`${server.base}/api/v2/rules/password-exchange`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ script, enabled }),
  });
  if (!response.ok) throw new Error(`rule deploy failed: ${response.status}`);
}

/** Password exchanges with autocannon; autocannon's percentiles are whole ms, the mean keeps fractions. */
export async function drive(server: RunningServer, connections: number, seconds: number) {
  const result = await autocannon({
    url: `${server.base}/oauth/token`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: server.demoBody,
    connections,
    duration: seconds,
  });
  if (result.non2xx > 0) throw new Error(`${result.non2xx} non-2xx answers`);
  return {
    rps: Math.round(result.requests.average),
    mean_ms: round(result.latency.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
  };
}

/** Time from spawning a server on a new database to its first successful exchange, in ms. */
export async function firstExchangeMs(runtime: RuntimeName): Promise<number> {
  const started = performance.now();
  const server = await startBenchServer(runtime);
  try {
    for (;;) {
      const response = await fetch(`${server.base}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: server.demoBody,
      });
      if (response.ok) return Math.round(performance.now() - started);
    }
  } finally {
    server.stop();
  }
}
