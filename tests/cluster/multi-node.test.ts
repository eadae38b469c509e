import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort, stopAllServers } from "../support/server-process.ts";
import { sseReader } from "../support/sse.ts";
import {
  CLUSTER_ADMIN_KEY,
  type ClusterDatabase,
  type ClusterNode,
  type ClusterSeed,
  createClusterDatabase,
  exchangeParams,
  ok,
  readJwt,
  refreshParams,
  seedCluster,
  startCluster,
} from "./cluster.ts";

// Three nodes (src/main.ts processes) on one fresh PostgreSQL database, all started at the
// same moment on the empty database, all with the same issuer. Every write goes to one node
// and is read back on another: nothing a node keeps in memory may hide a change.

let database: ClusterDatabase;
let nodes: ClusterNode[];
let a: ClusterNode;
let b: ClusterNode;
let c: ClusterNode;
let seed: ClusterSeed;

beforeAll(async () => {
  database = await createClusterDatabase();
  const issuer = `http://127.0.0.1:${await freePort()}/`;
  nodes = await startCluster(3, { databaseUrl: database.url, issuer });
  [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
}, 60_000);

afterAll(async () => {
  stopAllServers();
  await database?.drop();
}, 30_000);

const USER_BLOCKED = "Your account has been blocked after multiple consecutive login attempts.";
const CLAIM = "https://cluster.example.com/version";
const FLAVOR = "https://cluster.example.com/flavor";

/** A rule that stamps its version and the FLAVOR secret into the access token. */
const versionedRule = (
  version: string,
) => `module.exports = function (user, client, scope, audience, context, cb) {
  cb(null, { scope: scope, '${CLAIM}': '${version}', '${FLAVOR}': context.webtask.secrets.FLAVOR || 'none' });
};`;

/** The access token's claims and header of a successful exchange on `node`. */
async function exchangeOn(node: ClusterNode, extra: Record<string, string> = {}) {
  const response = await node.token(exchangeParams(seed, extra));
  const body = await response.json();
  if (response.status !== 200) throw new Error(`exchange on ${node.base}: ${JSON.stringify(body)}`);
  return { ...readJwt(body.access_token), body };
}

test("three nodes started at once on an empty database apply the migrations once and provision the demo once", async () => {
  const migrationFiles = readdirSync(fileURLToPath(new URL("../../drizzle-pg", import.meta.url))).filter(
    (name) => name.endsWith(".sql"),
  );
  const [migrations] = await database.sql<
    { count: number }[]
  >`select count(*)::int as count from drizzle.__drizzle_migrations`;
  expect(migrations!.count).toBe(migrationFiles.length);

  // NODE_ENV is unset: the demo is provisioned, by exactly one of the three first starts.
  const printedDemo = nodes.filter((node) => node.output!().stdout.includes("New database: provisioned"));
  expect(printedDemo).toHaveLength(1);
  for (const node of nodes) {
    const clients = await ok<Array<{ name: string; client_id: string }>>(node.admin("GET", "/clients"));
    expect(clients.filter((client) => client.name === "Sample client")).toHaveLength(1);
    const users = await ok<Array<{ email: string }>>(node.admin("GET", "/users"));
    expect(users.filter((user) => user.email === "user@example.com")).toHaveLength(1);
    const apis = await ok<Array<{ identifier: string }>>(node.admin("GET", "/resource-servers"));
    expect(apis.filter((api) => api.identifier === "https://someapi.com/api")).toHaveLength(1);
  }
  const [tenants] = await database.sql<
    { count: number }[]
  >`select count(*)::int as count from tenant_settings`;
  expect(tenants!.count).toBe(1);
  seed = await seedCluster(a);
}, 30_000);

describe("read-your-writes across nodes: the next request on another node sees a write acknowledged by node A", () => {
  test("rule deploy: a rule PUT on A runs in the very next exchange on B, and so does its replacement", async () => {
    await ok(a.admin("PUT", "/rules/password-exchange", { script: versionedRule("v1") }));
    expect((await exchangeOn(b)).claims[CLAIM]).toBe("v1");
    await ok(a.admin("PUT", "/rules/password-exchange", { script: versionedRule("v2") }));
    expect((await exchangeOn(b)).claims[CLAIM]).toBe("v2");
  }, 30_000);

  test("rule secrets: a secret set on A is what the rule reads in the next exchange on C", async () => {
    await ok(a.admin("PATCH", "/rules/password-exchange/secrets", { FLAVOR: "mint" }));
    expect((await exchangeOn(c)).claims[FLAVOR]).toBe("mint");
    await ok(a.admin("PATCH", "/rules/password-exchange/secrets", { FLAVOR: "lime" }));
    expect((await exchangeOn(c)).claims[FLAVOR]).toBe("lime");
  }, 30_000);

  test("key rotation: after a rotation on A, B signs with the new kid and C's JWKS publishes it", async () => {
    const before = (await exchangeOn(b)).header.kid;
    const { rotated } = await ok<{ rotated: Array<{ kid: string; previous_kid: string }> }>(
      a.admin("POST", "/keys/rotate", {}),
    );
    const kid = rotated[0]!.kid;
    expect(rotated[0]!.previous_kid).toBe(before!);
    expect((await exchangeOn(b)).header.kid).toBe(kid);
    const jwks = await ok<{ keys: Array<{ kid: string }> }>(fetch(`${c.base}/.well-known/jwks.json`));
    expect(jwks.keys.map((key) => key.kid)).toContain(kid);
    // The previous key still verifies the tokens it signed.
    expect(jwks.keys.map((key) => key.kid)).toContain(before!);
  }, 30_000);

  test("clients: a client created on A exchanges on B; deleted on A, it is refused on C", async () => {
    const client = await ok<{ client_id: string; client_secret: string }>(
      a.admin("POST", "/clients", { name: "short-lived client" }),
    );
    const credentials = { client_id: client.client_id, client_secret: client.client_secret };
    expect((await exchangeOn(b, credentials)).claims.azp).toBe(client.client_id);
    expect((await a.admin("DELETE", `/clients/${client.client_id}`)).status).toBe(204);
    const refused = await c.token(exchangeParams(seed, credentials));
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toBe("invalid_client");
  }, 30_000);

  test("APIs: a resource server created on A is an audience on B; deleted on A, it is refused on C", async () => {
    const api = await ok<{ id: string }>(
      a.admin("POST", "/resource-servers", { identifier: "urn:cluster:fresh", name: "Fresh API" }),
    );
    expect((await exchangeOn(b, { audience: "urn:cluster:fresh" })).claims.aud).toContain(
      "urn:cluster:fresh",
    );
    expect((await a.admin("DELETE", `/resource-servers/${api.id}`)).status).toBe(204);
    const refused = await c.token(exchangeParams(seed, { audience: "urn:cluster:fresh" }));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: "access_denied",
      error_description: "Service not found: urn:cluster:fresh",
    });
  }, 30_000);

  test("tenant settings: brute-force max_attempts lowered on A blocks after that many failures on B", async () => {
    const carol = await ok<{ user_id: string }>(
      a.admin("POST", "/users", { email: "carol@example.com", password: "carol's password" }),
    );
    await ok(a.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 3 } }));
    try {
      const settings = await ok<{ brute_force_protection: { max_attempts: number } }>(
        c.admin("GET", "/tenants/settings"),
      );
      expect(settings.brute_force_protection.max_attempts).toBe(3);
      const carolTries = (password: string) =>
        b.token(exchangeParams(seed, { username: "carol@example.com", password }));
      for (let i = 0; i < 3; i++) expect((await carolTries("wrong password")).status).toBe(400);
      const blocked = await carolTries("carol's password");
      expect(blocked.status).toBe(429);
      expect(await blocked.json()).toEqual({ error: "too_many_attempts", error_description: USER_BLOCKED });
    } finally {
      await ok(a.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } }));
      await ok(c.admin("DELETE", `/user-blocks/${carol.user_id}`));
    }
    const unblocked = await a.token(
      exchangeParams(seed, { username: "carol@example.com", password: "carol's password" }),
    );
    expect(unblocked.status).toBe(200);
  }, 30_000);

  test("user blocks: a user blocked on A is refused on B; unblocked on A, exchanges on C", async () => {
    await ok(a.admin("PATCH", `/users/${seed.user.user_id}`, { blocked: true }));
    const refused = await b.token(exchangeParams(seed));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: "invalid_grant", error_description: "user is blocked" });
    await ok(a.admin("PATCH", `/users/${seed.user.user_id}`, { blocked: false }));
    expect((await exchangeOn(c)).claims.sub).toBe(seed.user.user_id);
  }, 30_000);
});

test("brute force across nodes: 10 concurrent wrong passwords spread over three nodes block the user+IP pair on every node, even for the right password", async () => {
  await ok(a.admin("POST", "/users", { email: "dave@example.com", password: "dave's password" }));
  const tries = (node: ClusterNode, password: string) =>
    node.token(exchangeParams(seed, { username: "dave@example.com", password }));
  const failures = await Promise.all(
    Array.from({ length: 10 }, (_, i) => tries(nodes[i % 3]!, "wrong password")),
  );
  for (const failure of failures) {
    expect(failure.status).toBe(400);
    expect((await failure.json()).error).toBe("invalid_grant");
  }
  for (const node of nodes) {
    const blocked = await tries(node, "dave's password");
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toEqual({ error: "too_many_attempts", error_description: USER_BLOCKED });
  }
}, 30_000);

test("brute force across nodes: a burst of 30 wrong passwords (3× the limit) spread over three nodes gets 10 checked and 20 answered 429", async () => {
  await ok(a.admin("POST", "/users", { email: "erin@example.com", password: "erin's password" }));
  const tries = (node: ClusterNode, password: string) =>
    node.token(exchangeParams(seed, { username: "erin@example.com", password }));
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => tries(nodes[i % 3]!, "wrong password")),
  );
  const statuses = answers.map((answer) => answer.status);
  expect(statuses.filter((status) => status === 400)).toHaveLength(10);
  expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  for (const node of nodes) expect((await tries(node, "erin's password")).status).toBe(429);
  const [blocks] = await database.sql<
    { count: number }[]
  >`select count(*)::int as count from logs where type = 'limit_wc' and user_name = 'erin@example.com'`;
  expect(blocks!.count).toBe(1);
}, 30_000);

test("refresh token race: the same refresh token redeemed on two nodes at once succeeds exactly once (20 rounds)", async () => {
  for (let round = 0; round < 20; round++) {
    const { body } = await exchangeOn(nodes[round % 3]!, { scope: "offline_access" });
    const refreshToken = body.refresh_token as string;
    expect(refreshToken).toBeString();
    const answers = await Promise.all([
      nodes[round % 3]!.token(refreshParams(seed, refreshToken)),
      nodes[(round + 1) % 3]!.token(refreshParams(seed, refreshToken)),
    ]);
    const outcomes = await Promise.all(
      answers.map(async (answer) => ({ status: answer.status, error: (await answer.json()).error })),
    );
    outcomes.sort((x, y) => x.status - y.status);
    expect(outcomes).toEqual([
      { status: 200, error: undefined },
      { status: 400, error: "invalid_grant" },
    ]);
  }
}, 60_000);

test("log stream across nodes: an exchange on A reaches a stream on C within 1 s; a resume on B with Last-Event-ID skips nothing", async () => {
  const openStream = async (node: ClusterNode, lastEventId?: string) => {
    const aborter = new AbortController();
    const response = await fetch(`${node.base}/api/v2/logs/stream`, {
      headers: {
        authorization: `Bearer ${CLUSTER_ADMIN_KEY}`,
        accept: "text/event-stream",
        ...(lastEventId ? { "last-event-id": lastEventId } : {}),
      },
      signal: aborter.signal,
    });
    expect(response.status).toBe(200);
    const reader = sseReader(response);
    await reader.until(() => reader.comments.includes("connected"));
    return { ...reader, stop: () => aborter.abort() };
  };
  const requestIdOf = (event: { data: string }) => JSON.parse(event.data).request_id as string;

  const onC = await openStream(c);
  const onB = { stop: () => {} };
  try {
    const first = `stream-first-${Date.now()}`;
    const answered = await a.token(exchangeParams(seed), { "x-request-id": first });
    expect(answered.status).toBe(200);
    const stored = performance.now();
    await onC.until(() => onC.events.some((event) => requestIdOf(event) === first), 5000);
    const latencyMs = performance.now() - stored;
    console.log(`log stream: an exchange on node A reached node C's stream after ${latencyMs.toFixed(0)} ms`);
    expect(latencyMs).toBeLessThan(1000);
    const firstEvent = onC.events.find((event) => requestIdOf(event) === first)!;

    const later = [1, 2, 3].map((n) => `stream-later-${n}-${Date.now()}`);
    for (const [i, requestId] of later.entries()) {
      const answer = await nodes[i % 3]!.token(exchangeParams(seed), { "x-request-id": requestId });
      expect(answer.status).toBe(200);
    }
    const hasAll = (events: Array<{ data: string }>) =>
      later.every((requestId) => events.some((event) => requestIdOf(event) === requestId));
    await onC.until(() => hasAll(onC.events), 5000);

    const resumed = await openStream(b, firstEvent.id);
    onB.stop = resumed.stop;
    await resumed.until(() => hasAll(resumed.events), 5000);
    const lastId = Number(onC.events.at(-1)!.id);
    const afterFirst = (events: Array<{ id?: string }>) =>
      events.map((event) => Number(event.id)).filter((id) => id > Number(firstEvent.id) && id <= lastId);
    // Every event C sent after the first, B sends too, in the same order: nothing skipped.
    expect(afterFirst(resumed.events)).toEqual(afterFirst(onC.events));
    expect(resumed.events.every((event) => Number(event.id) > Number(firstEvent.id))).toBe(true);
  } finally {
    onC.stop();
    onB.stop();
  }
}, 30_000);
