/**
 * A real Rulegate node for the operations suites: `src/main.ts` as a child process on the
 * runtime running the tests (Bun, or Deno with `run --allow-all`), a tenant seeded through
 * its management API, and its `/metrics` read through a Prometheus text parser.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { databaseEnv, dropTestDatabase } from "../support/postgres.ts";
import { freePort } from "../support/server-process.ts";
import { type Family, parsePrometheusText } from "./prometheus-text.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ADMIN_KEY = "ops-test-admin-key-0123456789";
export const PASSWORD = "correct horse battery staple";

export interface Node {
  child: ChildProcess;
  port: number;
  base: string;
  /** The METRICS_TOKEN it was started with, if any. */
  metricsToken?: string;
  /** Everything the node wrote on stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Sends the node a signal. (Through process.kill: Deno's child_process reports the signal
   * a ChildProcess.kill sent as the way the child ended, hiding its real exit code.)
   */
  signal(signal: "SIGTERM" | "SIGINT"): void;
  /** Ends the node at once (SIGKILL) and drops its test database. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every node still running (afterAll). */
export function killAllNodes(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** The command that runs `src/main.ts` on this runtime. */
const mainCommand = () =>
  "Bun" in globalThis
    ? [process.execPath, "src/main.ts"]
    : [process.execPath, "run", "--allow-all", "src/main.ts"];

/**
 * Starts a node on a fresh SQLite file (or, with `TEST_DATABASE_URL`, a fresh PostgreSQL
 * database) and resolves once `/health/ready` answers 200. `detached`: in a process group
 * of its own, which a test can signal as a whole (`process.kill(-pid, …)`).
 */
export async function startNode(
  env: Record<string, string> = {},
  options: { detached?: boolean } = {},
): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), "rulegate-ops-"));
  const dbPath = join(dir, "rulegate.sqlite");
  const database = env.DATABASE_URL ? {} : await databaseEnv(dbPath);
  const port = await freePort();
  const [command, ...args] = mainCommand();
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dir,
      PORT: String(port),
      HOST: "127.0.0.1",
      DB_PATH: dbPath,
      ADMIN_API_KEY: ADMIN_KEY,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      RULE_WORKERS: "1",
      ...database,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  running.add(child);
  let output = "";
  child.stdout!.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    output += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const node: Node = {
    child,
    port,
    base,
    metricsToken: env.METRICS_TOKEN,
    output: () => output,
    exit,
    signal: (signal) => process.kill(child.pid!, signal),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exit;
      if (database.DATABASE_URL) await dropTestDatabase(database.DATABASE_URL);
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the node exited: ${output}`);
    const status = await fetch(`${base}/health/ready`)
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return node;
    if (Date.now() > deadline) throw new Error(`the node never became ready: ${output}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A management API call with the admin key; throws on an error status. */
export async function admin(node: Node, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${node.base}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** An API, a `client_secret_post` client and a user, made through the management API. */
export async function seed(node: Node, email = "ops.user@example.com") {
  await admin(node, "POST", "/resource-servers", {
    identifier: "https://api.example.com",
    name: "Example API",
    scopes: [{ value: "read:things", description: "Read things" }],
    allow_offline_access: true,
  });
  const client = (await admin(node, "POST", "/clients", { name: "ops client" })) as {
    client_id: string;
    client_secret: string;
  };
  const user = (await admin(node, "POST", "/users", { email, password: PASSWORD })) as { user_id: string };
  const exchange = (extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    fetch(`${node.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({
        grant_type: "password",
        username: email,
        password: PASSWORD,
        audience: "https://api.example.com",
        client_id: client.client_id,
        client_secret: client.client_secret,
        ...extra,
      }),
    });
  return { client, user, email, exchange };
}

/** Deploys the password-exchange rule. */
export const deployRule = (node: Node, script: string) =>
  admin(node, "PUT", "/rules/password-exchange", { script });

/** `/metrics` as text (with `token` as the bearer when given). */
export async function scrapeText(node: Node, token?: string): Promise<string> {
  const response = await fetch(`${node.base}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** One parsed scrape: a sample's value by its name and labels (0 when absent). */
export interface Scrape {
  families: Family[];
  value(name: string, labels?: Record<string, string>): number;
}

const matches = (labels: Record<string, string>, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([key, value]) => labels[key] === value);

/** `/metrics` (with the node's METRICS_TOKEN), parsed. */
export async function scrape(node: Node): Promise<Scrape> {
  const families = parsePrometheusText(await scrapeText(node, node.metricsToken));
  const samples = families.flatMap((family) => family.samples);
  return {
    families,
    value: (name, labels = {}) =>
      samples.find((sample) => sample.name === name && matches(sample.labels, labels))?.value ?? 0,
  };
}

/** Polls `/metrics` until `check` holds (or fails after `ms`). */
export async function until(node: Node, check: (scrape: Scrape) => boolean, ms = 10_000): Promise<Scrape> {
  const deadline = Date.now() + ms;
  for (;;) {
    const current = await scrape(node);
    if (check(current)) return current;
    if (Date.now() > deadline) throw new Error("the metrics never reached the expected values");
    await sleep(50);
  }
}
