/**
 * PostgreSQL's faults, played between a real node and the real server by a TCP proxy
 * (tests/ops/tcp-proxy.ts) or from a test connection: a node neither dies nor hangs, answers
 * 503 `temporarily_unavailable` with `Retry-After` within a few seconds while the database is
 * away in any way, and answers 200 again as soon as it is back. Each test has its own
 * database; no test stops or restarts the server.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { startTcpProxy } from "../ops/tcp-proxy.ts";
import { stopAllServers } from "../support/server-process.ts";
import {
  type ClusterDatabase,
  type ClusterNode,
  type ClusterSeed,
  createClusterDatabase,
  exchangeParams,
  seedCluster,
  sleep,
  startNode,
} from "./cluster.ts";

type Proxy = Awaited<ReturnType<typeof startTcpProxy>>;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  stopAllServers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}, 30_000);
afterAll(() => stopAllServers());

/** A fresh database, dropped after the test. */
async function freshDatabase(): Promise<ClusterDatabase> {
  const database = await createClusterDatabase();
  cleanups.push(() => database.drop());
  return database;
}

/** A proxy in front of the local PostgreSQL, closed after the test. */
async function proxyFor(database: ClusterDatabase): Promise<{ proxy: Proxy; url: string }> {
  const server = new URL(database.url);
  const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  cleanups.push(() => proxy.close());
  server.port = String(proxy.port);
  return { proxy, url: server.toString() };
}

/** A seeded node whose every connection to PostgreSQL goes through a proxy. */
async function nodeBehindProxy(env: Record<string, string> = {}) {
  const database = await freshDatabase();
  const { proxy, url } = await proxyFor(database);
  const node = await startNode({ databaseUrl: url, issuer: "http://127.0.0.1:1/", env });
  const seed = await seedCluster(node);
  return { database, proxy, node, seed };
}

/** One answer: its status, `Retry-After`, body and how long it took; status 0 for a network error. */
interface Answer {
  status: number;
  retryAfter: string | null;
  body: string;
  tookMs: number;
}

/** A request that gives up (status 0) after 15 s, so a hang shows as a slow answer rather than a stuck test. */
async function timed(request: (signal: AbortSignal) => Promise<Response>): Promise<Answer> {
  const began = performance.now();
  try {
    const response = await request(AbortSignal.timeout(15_000));
    const body = await response.text();
    const tookMs = performance.now() - began;
    return { status: response.status, retryAfter: response.headers.get("retry-after"), body, tookMs };
  } catch (error) {
    return { status: 0, retryAfter: null, body: String(error), tookMs: performance.now() - began };
  }
}

const exchange = (node: ClusterNode, seed: ClusterSeed) =>
  timed((signal) =>
    fetch(`${node.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(exchangeParams(seed)),
      signal,
    }),
  );

const listClients = (node: ClusterNode) =>
  timed((signal) =>
    fetch(`${node.base}/api/v2/clients`, {
      headers: { authorization: "Bearer cluster-admin-key-0123456789abcdef" },
      signal,
    }),
  );

/** Token exchanges and management reads in a loop against `node` until `stop()`, every answer kept. */
function load(node: ClusterNode, seed: ClusterSeed) {
  const answers: Array<Answer & { kind: "oauth" | "management" }> = [];
  let stopped = false;
  const loop = async (kind: "oauth" | "management") => {
    while (!stopped) {
      const answer = kind === "oauth" ? await exchange(node, seed) : await listClients(node);
      answers.push({ ...answer, kind });
      await sleep(20);
    }
  };
  const running = Promise.all([loop("oauth"), loop("oauth"), loop("management")]);
  return {
    answers,
    async stop() {
      stopped = true;
      await running;
      return answers;
    },
  };
}

/** Every 503 is the endpoint's `temporarily_unavailable` with `Retry-After`. */
function expectUnavailableShape(answers: Array<Answer & { kind: "oauth" | "management" }>) {
  for (const answer of answers.filter((candidate) => candidate.status === 503)) {
    expect(answer.retryAfter).toBe("2");
    const body = JSON.parse(answer.body);
    if (answer.kind === "oauth") expect(body.error).toBe("temporarily_unavailable");
    else expect(body.errorCode).toBe("temporarily_unavailable");
  }
}

/** Polls until `node` answers a token exchange and a management read with 200; resolves with how long that took. */
async function recovery(node: ClusterNode, seed: ClusterSeed, withinMs: number): Promise<number> {
  const began = performance.now();
  for (;;) {
    const [token, management] = await Promise.all([exchange(node, seed), listClients(node)]);
    if (token.status === 200 && management.status === 200) return performance.now() - began;
    if (performance.now() - began > withinMs) {
      throw new Error(
        `not recovered: ${token.status} ${token.body} / ${management.status} ${management.body}`,
      );
    }
    await sleep(50);
  }
}

const alive = (node: ClusterNode) => node.child!.exitCode === null && node.child!.signalCode === null;
const summary = (answers: Answer[]) => {
  const statuses: Record<number, number> = {};
  for (const answer of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  const slowest = Math.max(0, ...answers.map((answer) => answer.tookMs));
  return `${answers.length} answers ${JSON.stringify(statuses)}, slowest ${slowest.toFixed(0)} ms`;
};

describe("connection faults", () => {
  test("connections terminated at their first query (57P01, postgres.js's type lookup) end no process: 503 while it lasts, then 200", async () => {
    const { proxy, node, seed } = await nodeBehindProxy();
    proxy.failFirstQuery("57P01");
    proxy.resetAll();
    const traffic = load(node, seed);
    await sleep(1500);
    const during = await traffic.stop();
    console.log(`first query terminated: ${summary(during)}; node alive: ${alive(node)}`);
    expect(alive(node)).toBe(true);
    expect(during.filter((answer) => answer.status !== 503 && answer.status !== 200)).toEqual([]);
    expect(during.some((answer) => answer.status === 503)).toBe(true);
    expectUnavailableShape(during);

    proxy.restore();
    const recoveredMs = await recovery(node, seed, 5000);
    console.log(`200 again ${recoveredMs.toFixed(0)} ms after the fault ended`);
    expect(alive(node)).toBe(true);
  }, 60_000);

  test("a black-holed database: every answer is a 503 within 5 s (not the outage's length), then 200 as soon as it is back", async () => {
    const { proxy, node, seed } = await nodeBehindProxy();
    proxy.blackHole();
    const traffic = load(node, seed);
    await sleep(9000);
    proxy.restore();
    const during = await traffic.stop();
    console.log(`9 s black hole: ${summary(during)}`);
    expect(alive(node)).toBe(true);
    expect(during.filter((answer) => answer.status !== 503 && answer.status !== 200)).toEqual([]);
    expect(during.some((answer) => answer.status === 503)).toBe(true);
    expect(during.filter((answer) => answer.tookMs > 5000)).toEqual([]);
    expectUnavailableShape(during);
    const recoveredMs = await recovery(node, seed, 3000);
    console.log(`200 again ${recoveredMs.toFixed(0)} ms after the black hole ended`);
  }, 60_000);

  test("a black hole whose old connections never come back (failover): the node drops them and answers 200 again", async () => {
    const { proxy, node, seed } = await nodeBehindProxy();
    proxy.blackHole();
    const during = await Promise.all([exchange(node, seed), listClients(node)]);
    console.log(`black hole: ${summary(during)}`);
    expect(during.map((answer) => answer.status)).toEqual([503, 503]);
    proxy.failover();
    const recoveredMs = await recovery(node, seed, 10_000);
    console.log(`200 again ${recoveredMs.toFixed(0)} ms after the failover`);
  }, 60_000);

  test("PostgreSQL refusing connections: 503 within 5 s, then 200 at once when it is back", async () => {
    const { proxy, node, seed } = await nodeBehindProxy();
    proxy.cut();
    const traffic = load(node, seed);
    await sleep(2000);
    proxy.restore();
    const during = await traffic.stop();
    console.log(`connections refused: ${summary(during)}`);
    expect(during.filter((answer) => answer.status !== 503 && answer.status !== 200)).toEqual([]);
    expect(during.filter((answer) => answer.tookMs > 5000)).toEqual([]);
    expectUnavailableShape(during);
    const recoveredMs = await recovery(node, seed, 3000);
    console.log(`200 again ${recoveredMs.toFixed(0)} ms after`);
  }, 60_000);

  test("a storm of terminated backends (pg_terminate_backend in a loop): no exit, no answer slower than 5 s, 200 right after", async () => {
    const database = await freshDatabase();
    const node = await startNode({ databaseUrl: database.url, issuer: "http://127.0.0.1:1/" });
    const seed = await seedCluster(node);
    const killer = postgres(database.url, { max: 1, onnotice: () => {}, fetch_types: false });
    cleanups.push(() => killer.end({ timeout: 1 }));
    const traffic = load(node, seed);
    let terminated = 0;
    const stormUntil = performance.now() + 4000;
    while (performance.now() < stormUntil) {
      const rows = await killer<{ pid: number }[]>`
        select pid from pg_stat_activity
        where datname = current_database() and application_name = 'rulegate' and pid <> pg_backend_pid()`;
      for (const { pid } of rows) await killer`select pg_terminate_backend(${pid})`;
      terminated += rows.length;
      await sleep(10);
    }
    const stormEnded = performance.now();
    await sleep(300);
    const during = await traffic.stop();
    console.log(`storm: ${terminated} backends terminated; ${summary(during)}; node alive: ${alive(node)}`);
    expect(alive(node)).toBe(true);
    expect(during.filter((answer) => answer.status !== 503 && answer.status !== 200)).toEqual([]);
    expect(during.filter((answer) => answer.tookMs > 5000)).toEqual([]);
    expectUnavailableShape(during);
    const after = await Promise.all([exchange(node, seed), listClients(node), exchange(node, seed)]);
    console.log(
      `after the storm (${(performance.now() - stormEnded).toFixed(0)} ms later): ${summary(after)}`,
    );
    expect(after.map((answer) => answer.status)).toEqual([200, 200, 200]);
  }, 60_000);
});
