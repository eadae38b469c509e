import { afterAll, beforeAll, expect, test } from "bun:test";
import { freePort, stopAllServers } from "../support/server-process.ts";
import { sseReader } from "../support/sse.ts";
import {
  CLUSTER_ADMIN_KEY,
  type ClusterDatabase,
  type ClusterNode,
  type ClusterSeed,
  createClusterDatabase,
  exchangeParams,
  nodeClient,
  readJwt,
  seedCluster,
  startNode,
} from "./cluster.ts";
import { type StatsRow, startLoadBalancer } from "./load-balancer.ts";

// Three nodes on one PostgreSQL database behind a real HAProxy running docs/haproxy.cfg
// (scripts/ensure-haproxy.sh installs it), with free ports in place of the example's.

let database: ClusterDatabase;
let nodes: ClusterNode[];
let balancer: Awaited<ReturnType<typeof startLoadBalancer>>;
let viaBalancer: ClusterNode;
let seed: ClusterSeed;

beforeAll(async () => {
  database = await createClusterDatabase();
  const [front, stats, ...nodePorts] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  const issuer = `http://127.0.0.1:${front}/`;
  nodes = await Promise.all(
    nodePorts.map((port) =>
      startNode({ databaseUrl: database.url, issuer, port, env: { TRUST_PROXY: "loopback" } }),
    ),
  );
  balancer = await startLoadBalancer({
    front: front!,
    stats: stats!,
    nodes: nodePorts as [number, number, number],
  });
  await balancer.until({ node1: "UP", node2: "UP", node3: "UP" });
  viaBalancer = nodeClient(balancer.base);
  seed = await seedCluster(viaBalancer);
}, 60_000);

afterAll(async () => {
  await balancer?.stop();
  stopAllServers();
  await database?.drop();
}, 30_000);

/** The 2xx answers each node has given through the proxy, by HAProxy's own counters. */
const answered2xx = (rows: StatsRow[]) =>
  Object.fromEntries(rows.map((row) => [row.svname!, Number(row.hrsp_2xx)]));

const exchangeViaBalancer = async (requestId?: string) => {
  const response = await viaBalancer.token(
    exchangeParams(seed),
    requestId ? { "x-request-id": requestId } : {},
  );
  return { status: response.status, body: await response.json() };
};

test("through HAProxy (docs/haproxy.cfg): 30 exchanges all succeed, spread round-robin over the three nodes, with the shared issuer", async () => {
  const before = answered2xx(await balancer.nodeStats());
  for (let i = 0; i < 30; i++) {
    const { status, body } = await exchangeViaBalancer();
    expect(status).toBe(200);
    expect(readJwt(body.access_token).claims.iss).toBe(`${balancer.base}/`);
  }
  const after = answered2xx(await balancer.nodeStats());
  const served = Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - before[name]!]));
  console.log(`HAProxy: 2xx answers per node for 30 exchanges: ${JSON.stringify(served)}`);
  expect(Object.values(served).reduce((sum, count) => sum + count, 0)).toBe(30);
  for (const count of Object.values(served)) expect(count).toBe(10);
}, 60_000);

test("through HAProxy: after SIGKILL of one node every exchange still succeeds (redispatch, then the health check takes it out), and a log stream through the proxy works", async () => {
  const killedAt = performance.now();
  await nodes[2]!.kill();
  // Right after the kill, before any health check noticed: connections to node3 are
  // refused, and the proxy sends those requests to another node.
  for (let i = 0; i < 15; i++) expect((await exchangeViaBalancer()).status).toBe(200);
  const rows = await balancer.until({ node1: "UP", node2: "UP", node3: "DOWN" });
  console.log(`HAProxy: node3 marked DOWN ${(performance.now() - killedAt).toFixed(0)} ms after SIGKILL`);
  const down = answered2xx(rows);
  for (let i = 0; i < 10; i++) expect((await exchangeViaBalancer()).status).toBe(200);
  const after = answered2xx(await balancer.nodeStats());
  expect(after.node3).toBe(down.node3!);
  expect(after.node1! + after.node2! - down.node1! - down.node2!).toBe(10);

  const aborter = new AbortController();
  const stream = await fetch(`${balancer.base}/api/v2/logs/stream`, {
    headers: { authorization: `Bearer ${CLUSTER_ADMIN_KEY}`, accept: "text/event-stream" },
    signal: aborter.signal,
  });
  expect(stream.status).toBe(200);
  expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
  const events = sseReader(stream);
  try {
    await events.until(() => events.comments.includes("connected"));
    const requestIds = [1, 2, 3].map((n) => `via-balancer-${n}-${Date.now()}`);
    // Sent through the proxy too, so they land on either surviving node.
    for (const requestId of requestIds) expect((await exchangeViaBalancer(requestId)).status).toBe(200);
    await events.until(() =>
      requestIds.every((requestId) =>
        events.events.some((event) => JSON.parse(event.data).request_id === requestId),
      ),
    );
  } finally {
    aborter.abort();
  }
}, 60_000);
