import { afterAll, beforeAll, expect, test } from "bun:test";
import { stopAllServers } from "../support/server-process.ts";
import { base32Decode, totp } from "../support/totp.ts";
import {
  type ClusterDatabase,
  type ClusterNode,
  type ClusterSeed,
  exchangeParams,
  ok,
  readJwt,
  refreshParams,
  startSeededCluster,
} from "./cluster.ts";

// Multi-factor authentication across three nodes (src/main.ts processes) on one PostgreSQL
// database: an mfa_token issued by one node is enrolled on another and redeemed on the
// third, the development key that seals TOTP secrets is the one all nodes settled on, and a
// burst of wrong codes spread over the nodes gets no more tries than the user's limit.

const MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp";

let database: ClusterDatabase;
let a: ClusterNode;
let b: ClusterNode;
let c: ClusterNode;
let seed: ClusterSeed;

beforeAll(async () => {
  const cluster = await startSeededCluster(3);
  database = cluster.database;
  seed = cluster.seed;
  [a, b, c] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  await ok(
    a.admin("PATCH", `/clients/${seed.client.client_id}`, {
      grant_types: ["password", "refresh_token", MFA_OTP],
    }),
  );
  await ok(a.admin("PUT", "/guardian/factors/otp", { enabled: true }));
  await ok(a.admin("PUT", "/guardian/policies", ["all-applications"]));
}, 90_000);

afterAll(async () => {
  stopAllServers();
  await database?.drop();
}, 30_000);

/** A password exchange on `node` that must answer `mfa_required`: its `mfa_token`. */
async function mfaTokenFrom(node: ClusterNode): Promise<string> {
  const answer = await node.token(exchangeParams(seed, { scope: "openid offline_access read:things" }));
  const body = await answer.json();
  expect(answer.status).toBe(403);
  expect(body.error).toBe("mfa_required");
  return body.mfa_token;
}

const otpOn = (node: ClusterNode, mfaToken: string, otp: string) =>
  node.token({
    grant_type: MFA_OTP,
    mfa_token: mfaToken,
    otp,
    client_id: seed.client.client_id,
    client_secret: seed.client.client_secret,
  });

let secret: Uint8Array;

test("an mfa_token from A is enrolled on B and redeemed on C; the tokens' refresh works on A without asking again", async () => {
  const token = await mfaTokenFrom(a);
  const associated = await fetch(`${b.base}/mfa/associate`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ authenticator_types: ["otp"] }),
  });
  expect(associated.status).toBe(200);
  secret = base32Decode((await associated.json()).secret);
  const answer = await otpOn(c, token, totp(secret, new Date()));
  const body = await answer.json();
  expect(answer.status).toBe(200);
  expect(readJwt(body.id_token).claims.amr).toEqual(["mfa"]);
  // Spent on C: refused on A.
  expect((await (await otpOn(a, token, totp(secret, new Date()))).json()).error).toBe("expired_token");
  const refreshed = await a.token(refreshParams(seed, body.refresh_token));
  expect(refreshed.status).toBe(200);
  expect(readJwt((await refreshed.json()).access_token).claims.amr).toEqual(["mfa"]);
}, 30_000);

test("a burst of wrong codes spread over the three nodes gets exactly the user's ten tries", async () => {
  const nodes = [a, b, c];
  const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => mfaTokenFrom(nodes[i % 3]!)));
  const right = totp(secret, new Date());
  const wrong = right === "123456" ? "654321" : "123456";
  const answers = await Promise.all(
    tokens.flatMap((token, i) =>
      [0, 1, 2, 3].map(async (j) => (await otpOn(nodes[(i + j) % 3]!, token, wrong)).status),
    ),
  );
  expect(answers.filter((status) => status === 400)).toHaveLength(10);
  expect(answers.filter((status) => status === 429)).toHaveLength(14);
}, 30_000);
