import { afterAll, beforeAll, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { insertAuth0Rule } from "../../src/db/auth0-rules.ts";
import { mergeRuleSecrets } from "../../src/db/rule.ts";
import { aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
  const now = new Date();
  await mergeRuleSecrets(h.deps.db, { PLAN: "gold" }, now, "rules");
  await insertAuth0Rule(h.deps.db, { id: "rul_1", name: "one", order: 1, enabled: true, stage: "login_success", createdAt: now, updatedAt: now,
    script: `function (user, context, callback) { console.log("hello from one", context.protocol); context.accessToken['https://x/plan'] = configuration.PLAN; global.n = (global.n||0)+1; context.idToken.nick = user.email; user.app_metadata.seen = global.n; auth0.users.updateAppMetadata(user.user_id, user.app_metadata).then(() => callback(null, user, context)); }` });
  await insertAuth0Rule(h.deps.db, { id: "rul_2", name: "two", order: 2, enabled: true, stage: "login_success", createdAt: now, updatedAt: now,
    script: `async function (user, context, callback) { context.accessToken.seen = user.app_metadata.seen; context.accessToken.ctx = Object.keys(context).sort().join(","); if (user.email === 'no') throw new UnauthorizedError('nope'); callback(null, user, context); }` });
});
afterAll(() => h.close());

test("pipeline runs", async () => {
  const r = await aliceExchange(h, seed, { scope: "openid read:things" });
  const body = await r.json();
  console.log(r.status, body);
  const at = decodeJwt(body.access_token);
  console.log(at, decodeJwt(body.id_token));
  const u = await (await h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`)).json();
  console.log(u.app_metadata);
  const logs = await (await h.admin("GET", `/logs`)).json();
  console.log(JSON.stringify(logs.slice(0, 4), null, 1));
  expect(r.status).toBe(200);
});

test("try", async () => {
  const r = await h.admin("POST", "/rules/try", { script: "function (user, context, callback) { console.log('x'); user.app_metadata.a = 1; auth0.users.updateAppMetadata(user.user_id, user.app_metadata); context.accessToken.scope = 'a b'; callback(new UnauthorizedError('no way')); }" });
  console.log(r.status, JSON.stringify(await r.json(), null, 1));
  const r2 = await h.admin("POST", "/rules/try", {});
  console.log(r2.status, JSON.stringify(await r2.json()).slice(0, 600));
  const r3 = await h.admin("POST", "/rules/try", { script: "function (user, context, callback) {\n  callback(null, user, context)\n  }}" });
  console.log(r3.status, JSON.stringify(await r3.json()));
});
