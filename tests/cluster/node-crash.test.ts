import { afterAll, beforeAll, expect, test } from "bun:test";
import { secretDigest } from "../../src/security/secret-digest.ts";
import { stopAllServers } from "../support/server-process.ts";
import {
  type ClusterDatabase,
  type ClusterNode,
  type ClusterSeed,
  exchangeParams,
  ok,
  refreshParams,
  sleep,
  startSeededCluster,
} from "./cluster.ts";

// tests/security/crash-safety.test.ts, for a cluster: one of three nodes on one PostgreSQL
// database is killed in the middle of a burst spread over all three.

let database: ClusterDatabase;
let nodes: ClusterNode[];
let seed: ClusterSeed;

beforeAll(async () => {
  ({ database, nodes, seed } = await startSeededCluster(3));
}, 60_000);

afterAll(async () => {
  stopAllServers();
  await database?.drop();
}, 30_000);

/** A refresh-token rotation chain: its last acknowledged token, and whether an answer was lost. */
interface Chain {
  token: string;
  rotations: number;
  lostAnswer: boolean;
}

test("SIGKILL of one node mid-burst: every acknowledged user exists, every chain's last acknowledged refresh token is live (or was rotated by the lost request), and the other two nodes answer throughout", async () => {
  const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  let live: ClusterNode[] = [a, b, c];
  let turn = 0;
  const nextNode = () => live[turn++ % live.length]!;
  /** Answers from A or B that were not the expected success: must stay empty. */
  const survivorFailures: string[] = [];
  const users: string[] = [];
  let exchanges = 0;
  const chains: Chain[] = [];
  for (let i = 0; i < 3; i++) {
    const response = await nodes[i]!.token(exchangeParams(seed, { scope: "offline_access" }));
    chains.push({
      token: (await ok<{ refresh_token: string }>(response)).refresh_token,
      rotations: 0,
      lostAnswer: false,
    });
  }

  let stopped = false;
  /**
   * Runs `step` on one node after the other until the burst stops. A failure on the killed
   * node ends nothing (`onLost` says what to do); on A or B it is recorded.
   */
  const loop = async (step: (node: ClusterNode) => Promise<void>, onLost: () => boolean = () => true) => {
    while (!stopped) {
      const node = nextNode();
      try {
        await step(node);
      } catch (error) {
        if (node !== c) survivorFailures.push(`${node.base}: ${(error as Error).message}`);
        else if (!onLost()) return;
      }
    }
  };
  const expectStatus = async (node: ClusterNode, response: Response, status: number) => {
    if (response.status !== status)
      throw new Error(`${node.base}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  let counter = 0;
  const burst = Promise.all([
    loop(async (node) => {
      const response = await node.admin("POST", "/users", {
        email: `burst${counter++}@example.com`,
        password: "burst password",
      });
      users.push((await expectStatus(node, response, 201)).user_id);
    }),
    loop(async (node) => {
      await expectStatus(node, await node.token(exchangeParams(seed)), 200);
      exchanges++;
    }),
    ...chains.map((chain) =>
      loop(
        async (node) => {
          const answer = await expectStatus(node, await node.token(refreshParams(seed, chain.token)), 200);
          chain.token = answer.refresh_token;
          chain.rotations++;
        },
        () => {
          // The request died with C: it may have rotated the token (committed, answer lost).
          // Using the last acknowledged token again would then be reuse; the chain stops here.
          chain.lostAnswer = true;
          return false;
        },
      ),
    ),
  ]);
  while (users.length < 10 || exchanges < 10 || chains.some((chain) => chain.rotations < 5)) await sleep(5);
  const beforeKill = { users: users.length, exchanges, rotations: chains.map((chain) => chain.rotations) };
  await c.kill();
  live = [a, b];
  // The burst goes on against the two survivors.
  await sleep(1500);
  stopped = true;
  await burst;
  console.log(
    `node crash: before the kill ${JSON.stringify(beforeKill)}; in all ${users.length} users, ${exchanges} exchanges, ` +
      `rotations ${JSON.stringify(chains.map((chain) => chain.rotations))}, answers lost with C: ${chains.filter((chain) => chain.lostAnswer).length}`,
  );
  expect(survivorFailures).toEqual([]);
  expect(users.length).toBeGreaterThan(beforeKill.users);
  expect(exchanges).toBeGreaterThan(beforeKill.exchanges);

  for (const id of users) expect((await a.admin("GET", `/users/${id}`)).status).toBe(200);

  for (const chain of chains) {
    const digest = secretDigest(chain.token);
    const [family] = await database.sql<{ revoked_at: Date | null }[]>`
      select revoked_at from refresh_token_families where current_token_hash = ${digest}`;
    if (!chain.lostAnswer) {
      // Nothing in flight was lost: the last acknowledged token is the family's live one.
      expect(family).toMatchObject({ revoked_at: null });
      expect((await b.token(refreshParams(seed, chain.token))).status).toBe(200);
      continue;
    }
    // The lost rotation either never committed (the token is still live) or committed and
    // retired it (its answer died with C): either way the acknowledged token is accounted for.
    const [retired] = await database.sql`select 1 from retired_refresh_tokens where token_hash = ${digest}`;
    expect(Boolean(family) || Boolean(retired)).toBe(true);
    if (family) expect((await b.token(refreshParams(seed, chain.token))).status).toBe(200);
  }
}, 60_000);
