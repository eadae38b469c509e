import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { insertLog, newLog } from "../../src/db/logs.ts";
import { pruneExpiredLogs } from "../../src/logs/retention.ts";
import { ADMIN_KEY, aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { deployRule } from "../support/rules.ts";
import { sseReader } from "../support/sse.ts";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
beforeAll(async () => {
  h = await createHarness({ RULE_TIMEOUT_MS: "500", LOG_HEARTBEAT_MS: "200" });
  seed = await seedTenant(h);
});
afterAll(() => h.close());

const exchange = (extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  aliceExchange(h, seed, extra, { headers: { "user-agent": "logs-test/1", ...headers } });

const logsOf = async (query: string) => {
  const response = await h.admin("GET", `/logs?${query}`);
  expect(response.status).toBe(200);
  return response.json();
};

describe("stored events", () => {
  test("a successful exchange is an sepft event with Auth0's fields", async () => {
    const response = await exchange({}, { "x-request-id": "req-success-1" });
    expect(response.headers.get("x-request-id")).toBe("req-success-1");
    const [event] = await logsOf("request_id=req-success-1");
    expect(event).toMatchObject({
      type: "sepft",
      client_id: seed.postClient.client_id,
      client_name: "post client",
      user_id: seed.alice.user_id,
      user_name: "alice@example.com",
      audience: "https://api.example.com",
      scope: "read:things write:things",
      request_id: "req-success-1",
      user_agent: "logs-test/1",
      details: { grant_type: "password" },
    });
    expect(typeof event.log_id).toBe("string");
    expect(typeof event.ip).toBe("string");
    expect(new Date(event.date).getTime()).toBeGreaterThan(0);
    const byId = await (await h.admin("GET", `/logs/${event.log_id}`)).json();
    expect(byId).toEqual(event);
    expect((await h.admin("GET", "/logs/log_nope")).status).toBe(404);
  });

  test("an insane x-request-id is replaced", async () => {
    const response = await exchange({}, { "x-request-id": "bad id with spaces" });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("failures are fepft events with the reason", async () => {
    const cases: Array<[Record<string, string>, string, Record<string, unknown>]> = [
      [{ password: "wrong" }, "fail-wrong", { reason: "wrong password", user_id: seed.alice.user_id }],
      [
        { username: "ghost@example.com" },
        "fail-unknown",
        { reason: "unknown user", user_name: "ghost@example.com" },
      ],
      [
        { username: "bob@example.com", password: "bob's password" },
        "fail-blocked",
        { reason: "blocked user" },
      ],
      [
        { client_secret: "nope" },
        "fail-client",
        { reason: "wrong client secret", client_name: "post client" },
      ],
      [{ audience: "urn:unknown" }, "fail-audience", { reason: undefined, audience: "urn:unknown" }],
    ];
    for (const [extra, requestId, expected] of cases) {
      await exchange(extra, { "x-request-id": requestId });
      const [event] = await logsOf(`request_id=${requestId}`);
      const { reason, ...fields } = expected;
      expect(event.type).toBe("fepft");
      expect(event.details.reason).toBe(reason);
      expect(event).toMatchObject(fields);
    }
  });

  test("the rule's denials, errors, timeouts, console lines and warnings are events", async () => {
    await deployRule(
      h,
      `module.exports = function (user, client, scope, audience, context, cb) {
        console.log('checking', user.email);
        if (context.request.scope === 'deny') return cb(new Error('not you'));
        if (context.request.scope === 'hang') return;
        cb(null, { scope: scope, bogus: 1 });
      };`,
    );
    await exchange({}, { "x-request-id": "rule-ok" });
    const okEvents = await logsOf("request_id=rule-ok");
    expect(okEvents.map((event: { type: string }) => event.type).sort()).toEqual([
      "rule_log",
      "rule_warning",
      "sepft",
    ]);
    const line = okEvents.find((event: { type: string }) => event.type === "rule_log");
    expect(line).toMatchObject({
      description: "checking alice@example.com",
      user_id: seed.alice.user_id,
      details: { level: "log" },
    });

    await exchange({ scope: "deny" }, { "x-request-id": "rule-deny" });
    const denied = (await logsOf("request_id=rule-deny&type=fepft"))[0];
    expect(denied).toMatchObject({
      description: "not you",
      user_id: seed.alice.user_id,
      details: { reason: "the rule denied" },
    });

    await exchange({ scope: "hang" }, { "x-request-id": "rule-hang" });
    const hung = (await logsOf("request_id=rule-hang&type=fepft"))[0];
    expect(hung.details.reason).toBe("the rule did not finish within 500 ms");
    expect(hung.client_id).toBe(seed.postClient.client_id);
    await h.admin("DELETE", "/rules/password-exchange");
  });

  test("filters, pagination and newest-first order", async () => {
    const all = await logsOf("per_page=100");
    const seqs = all.map((event: { date: string }) => new Date(event.date).getTime());
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    const page = await logsOf("per_page=2&page=1&include_totals=true");
    expect(page).toMatchObject({ start: 2, limit: 2, length: 2, total: all.length });
    expect(page.logs).toEqual(all.slice(2, 4));
    for (const event of await logsOf(`user_id=${seed.alice.user_id}`))
      expect(event.user_id).toBe(seed.alice.user_id);
    for (const event of await logsOf(`client_id=${seed.postClient.client_id}&type=sepft`)) {
      expect(event.client_id).toBe(seed.postClient.client_id);
      expect(event.type).toBe("sepft");
    }
    expect(await logsOf("from_date=2999-01-01T00:00:00Z")).toEqual([]);
    expect((await logsOf("to=2000-01-01T00:00:00Z")).length).toBe(0);
    expect((await h.admin("GET", "/logs?from_date=yesterday")).status).toBe(400);
    expect((await h.admin("GET", "/logs?type=NOT-A-TYPE")).status).toBe(400);
    expect((await h.request("/api/v2/logs")).status).toBe(401);
  });

  test("no stored event holds a password, secret, token or authorization header", async () => {
    await h.admin("PUT", "/rules/password-exchange/secrets", { SECRET_A: "rule-secret-value-123" });
    const basic = `Basic ${btoa(`${seed.basicClient.client_id}:${seed.basicClient.client_secret}`)}`;
    const tokenResponse = await h.token(
      {
        grant_type: "password",
        username: "alice@example.com",
        password: "correct horse battery",
        audience: "https://api.example.com",
      },
      { form: true, headers: { authorization: basic } },
    );
    const { access_token } = await tokenResponse.json();
    await h.token(
      {
        grant_type: "password",
        username: "alice@example.com",
        password: "a-wrong-password-xyz",
        audience: "https://api.example.com",
      },
      { form: true, headers: { authorization: basic } },
    );
    const stored = JSON.stringify(await h.deps.db.orm.select().from(h.deps.db.tables.logs));
    for (const secret of [
      "correct horse battery",
      "a-wrong-password-xyz",
      seed.postClient.client_secret,
      seed.basicClient.client_secret,
      basic.slice(6),
      access_token,
      ADMIN_KEY,
      "rule-secret-value-123",
    ]) {
      expect(stored).not.toContain(secret);
    }
  });
});

describe("GET /api/v2/logs/stream", () => {
  const stream = (query = "", headers: Record<string, string> = {}) =>
    h.request(`/api/v2/logs/stream${query}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    });

  test("a rule's console line arrives live; Last-Event-ID resumes; heartbeats flow", async () => {
    await deployRule(
      h,
      "module.exports = function (u, c, scope, a, context, cb) { console.log('live line ' + context.request.scope); cb(null, { scope: scope }); };",
    );
    const response = await stream("?type=rule_log");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const live = sseReader(response);
    const sentAt = Date.now();
    await exchange({ scope: "read:things" });
    await live.until(() => live.events.length >= 1, 1000);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    const first = JSON.parse(live.events[0]!.data);
    expect(first).toMatchObject({ type: "rule_log", description: "live line read:things" });
    expect(live.events[0]!.event).toBe("log");
    await live.until(() => live.comments.includes("heartbeat"), 1000);
    const lastId = live.events[0]!.id!;
    await live.close();

    await exchange({ scope: "write:things" });
    const resumed = sseReader(await stream("?type=rule_log", { "last-event-id": lastId }));
    await resumed.until(() => resumed.events.length >= 1);
    expect(JSON.parse(resumed.events[0]!.data).description).toBe("live line write:things");
    expect(Number(resumed.events[0]!.id)).toBeGreaterThan(Number(lastId));
    await resumed.close();
    await h.admin("DELETE", "/rules/password-exchange");
  });

  test("filters apply to the stream", async () => {
    const live = sseReader(await stream(`?type=fepft&client_id=${seed.postClient.client_id}`));
    await exchange({}, { "x-request-id": "stream-ok" });
    await exchange({ password: "nope" }, { "x-request-id": "stream-fail" });
    await live.until(() => live.events.length >= 1);
    expect(live.events.map((event) => JSON.parse(event.data).request_id)).toEqual(["stream-fail"]);
    await live.close();
  });

  test("the stream needs the admin key", async () => {
    expect((await h.request("/api/v2/logs/stream")).status).toBe(401);
  });
});

test("retention prunes events older than LOG_RETENTION_DAYS", async () => {
  const old = new Date(Date.now() - 31 * 86_400_000);
  await insertLog(h.deps.db, newLog({ logId: "log_ancient", date: old, type: "sepft", description: "old" }));
  const stored = () => h.deps.db.orm.$count(h.deps.db.tables.logs);
  const before = await stored();
  expect(await pruneExpiredLogs(h.deps)).toBe(1);
  expect(await stored()).toBe(before - 1);
  expect((await h.admin("GET", "/logs/log_ancient")).status).toBe(404);
});
