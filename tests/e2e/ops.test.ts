/**
 * Operating a node, on Bun (`bun test`) and Deno (`deno task test`), against real server
 * processes: the health endpoints, `/metrics` read through a Prometheus text parser (one
 * test per metric family), and graceful shutdown on SIGTERM during a burst of exchanges.
 */
import { connect } from "node:net";
import {
  ADMIN_KEY,
  admin,
  deployRule,
  killAllNodes,
  type Node,
  PASSWORD,
  type Scrape,
  scrape,
  scrapeText,
  seed,
  sleep,
  startNode,
  until,
} from "../ops/node.ts";
import { testDatabaseUrl } from "../support/postgres.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

const METRICS_TOKEN = "ops-metrics-token-0123456789abcdef";
const POOL_SIZE = 4;
/** Bun's per-test limit for the tests that start nodes or run bursts (Deno has none). */
const SLOW = 60_000;

/** The change of each sample between two scrapes. */
const delta = (before: Scrape, after: Scrape) => (name: string, labels?: Record<string, string>) =>
  after.value(name, labels) - before.value(name, labels);

/** Whether a new TCP connection to the node's port is refused. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });

describe("e2e: operating a node", () => {
  let node: Node;
  let tenant: Awaited<ReturnType<typeof seed>>;
  beforeAll(async () => {
    node = await startNode({
      METRICS_TOKEN,
      RULE_TIMEOUT_MS: "1000",
      RULE_MEMORY_MB: "32",
      TRUST_PROXY: "loopback",
      DATABASE_POOL_SIZE: String(POOL_SIZE),
    });
    tenant = await seed(node);
  });
  afterAll(async () => {
    await node?.kill();
    killAllNodes();
  });
  const metrics = () => scrape(node);

  test("GET /health/live and /health/ready answer without a key, name each check, and are no log events", async () => {
    const logCount = async () => ((await admin(node, "GET", "/logs?per_page=100")) as unknown[]).length;
    const before = await logCount();
    const live = await fetch(`${node.base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${node.base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ok",
      checks: { database: "ok", migrations: "ok", rules: "ok", shutdown: "ok" },
    });
    for (let i = 0; i < 5; i++) {
      await (await fetch(`${node.base}/health/live`)).text();
      await (await fetch(`${node.base}/health/ready`)).text();
    }
    expect(await logCount()).toBe(before);
  });

  test(
    "both answer in a few milliseconds while exchanges run",
    async () => {
      const burst = Array.from({ length: 40 }, () => tenant.exchange().then((response) => response.text()));
      const timings: number[] = [];
      for (let i = 0; i < 10; i++) {
        for (const path of ["/health/live", "/health/ready"]) {
          const started = performance.now();
          const response = await fetch(`${node.base}${path}`);
          await response.text();
          timings.push(performance.now() - started);
          expect(response.status).toBe(200);
        }
      }
      await Promise.all(burst);
      timings.sort((a, b) => a - b);
      expect(timings[Math.floor(timings.length / 2)]!).toBeLessThan(50);
    },
    SLOW,
  );

  test("/metrics asks for METRICS_TOKEN, and serves Prometheus's text format with it", async () => {
    const missing = await fetch(`${node.base}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    const wrong = await fetch(`${node.base}/metrics`, {
      headers: { authorization: "Bearer not-the-token-at-all" },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${node.base}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toContain("text/plain");
    const names = (await metrics()).families.map((family) => family.name);
    for (const name of [
      "rulegate_token_requests_total",
      "rulegate_token_request_duration_seconds",
      "rulegate_token_step_duration_seconds",
      "rulegate_rule_calls_total",
      "rulegate_rule_host_restarts_total",
      "rulegate_rule_queue_depth",
      "rulegate_rule_queue_rejections_total",
      "rulegate_brute_force_blocks_total",
      "rulegate_log_stream_subscribers",
      "rulegate_db_pool_max_connections",
      "rulegate_db_pool_in_use",
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
    ]) {
      expect(names).toContain(name);
    }
  });

  test("rulegate_token_requests_total counts requests by grant type and outcome", async () => {
    const before = await metrics();
    expect((await tenant.exchange()).status).toBe(200);
    expect((await tenant.exchange({ password: "wrong" })).status).toBe(400);
    expect((await tenant.exchange({ client_secret: "wrong" })).status).toBe(401);
    expect((await tenant.exchange({ grant_type: "magic" })).status).toBe(400);
    const offline = await (await tenant.exchange({ scope: "offline_access" })).json();
    const refreshed = await fetch(`${node.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "refresh_token",
        refresh_token: offline.refresh_token,
        client_id: tenant.client.client_id,
        client_secret: tenant.client.client_secret,
      }),
    });
    expect(refreshed.status).toBe(200);
    const changed = delta(before, await metrics());
    const name = "rulegate_token_requests_total";
    expect(changed(name, { grant_type: "password", outcome: "success" })).toBe(2);
    expect(changed(name, { grant_type: "password", outcome: "invalid_grant" })).toBe(1);
    expect(changed(name, { grant_type: "password", outcome: "invalid_client" })).toBe(1);
    expect(changed(name, { grant_type: "unknown", outcome: "unsupported_grant_type" })).toBe(1);
    expect(changed(name, { grant_type: "refresh_token", outcome: "success" })).toBe(1);
  });

  test("the exchange's latency and its steps' are histograms", async () => {
    await deployRule(
      node,
      "module.exports = function (user, client, scope, audience, context, cb) { cb(null, {}); };",
    );
    const before = await metrics();
    for (let i = 0; i < 3; i++) expect((await tenant.exchange()).status).toBe(200);
    const after = await metrics();
    const changed = delta(before, after);
    expect(changed("rulegate_token_request_duration_seconds_count", { grant_type: "password" })).toBe(3);
    expect(
      changed("rulegate_token_request_duration_seconds_sum", { grant_type: "password" }),
    ).toBeGreaterThan(0);
    expect(changed("rulegate_token_step_duration_seconds_count", { step: "password" })).toBe(3);
    expect(changed("rulegate_token_step_duration_seconds_count", { step: "rule" })).toBe(3);
    expect(changed("rulegate_token_step_duration_seconds_count", { step: "signing" })).toBe(3);
    // Per exchange at least: tenant settings, brute-force check, user lookup, attempt, audience.
    expect(
      changed("rulegate_token_step_duration_seconds_count", { step: "database" }),
    ).toBeGreaterThanOrEqual(3 * 5);
    const histogram = after.families.find(
      (family) => family.name === "rulegate_token_request_duration_seconds",
    );
    expect(histogram?.type).toBe("histogram");
  });

  test(
    "rulegate_rule_calls_total counts rule calls by outcome, rulegate_rule_host_restarts_total hosts by reason",
    async () => {
      const cases: Array<[string, string, number]> = [
        ["module.exports = function (u, c, s, a, ctx, cb) { cb(null, {}); };", "ok", 200],
        ["module.exports = function (u, c, s, a, ctx, cb) { cb(new Error('not today')); };", "denied", 403],
        ["module.exports = function (u, c, s, a, ctx, cb) { cb(null, 42); };", "error", 500],
        ["module.exports = function () { while (true) {} };", "timeout", 500],
        [
          "module.exports = function () { var hoard = []; for (;;) { hoard.push(new Array(1 << 20).fill(hoard.length)); } };",
          "memory",
          500,
        ],
      ];
      for (const [script, outcome, status] of cases) {
        await deployRule(node, script);
        const before = await metrics();
        const response = await tenant.exchange();
        expect([outcome, response.status]).toEqual([outcome, status]);
        const changed = delta(before, await metrics());
        expect([outcome, changed("rulegate_rule_calls_total", { outcome })]).toEqual([outcome, 1]);
        if (outcome === "timeout" || outcome === "memory") {
          const restarts = (current: Scrape) =>
            delta(before, current)("rulegate_rule_host_restarts_total", { reason: outcome });
          expect(restarts(await until(node, (current) => restarts(current) >= 1))).toBe(1);
        }
      }
      await deployRule(node, "module.exports = function (u, c, s, a, ctx, cb) { cb(null, {}); };");
    },
    SLOW,
  );

  test(
    "rulegate_brute_force_blocks_total counts the blocks that start, by kind",
    async () => {
      await admin(node, "PATCH", "/tenants/settings", {
        brute_force_protection: { max_attempts: 3, ip_max_failures: 5 },
      });
      const before = await metrics();
      const from = { "x-forwarded-for": "203.0.113.7" };
      for (let i = 0; i < 3; i++) await (await tenant.exchange({ password: "wrong" }, from)).text();
      const blocked = await tenant.exchange({}, from);
      expect(blocked.status).toBe(429);
      for (let i = 0; i < 2; i++)
        await (await tenant.exchange({ username: `ghost${i}@example.com` }, from)).text();
      const changed = delta(before, await metrics());
      expect(changed("rulegate_brute_force_blocks_total", { kind: "user_ip" })).toBe(1);
      expect(changed("rulegate_brute_force_blocks_total", { kind: "ip" })).toBe(1);
      expect(
        changed("rulegate_token_requests_total", { grant_type: "password", outcome: "too_many_attempts" }),
      ).toBe(1);
    },
    SLOW,
  );

  test(
    "rulegate_log_stream_subscribers follows the open live log streams",
    async () => {
      const subscribers = (current: Scrape) => current.value("rulegate_log_stream_subscribers");
      const start = subscribers(await metrics());
      const stop = new AbortController();
      const stream = await fetch(`${node.base}/api/v2/logs/stream`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        signal: stop.signal,
      });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      await reader.read();
      await until(node, (current) => subscribers(current) === start + 1);
      stop.abort();
      await reader.cancel().catch(() => {});
      await until(node, (current) => subscribers(current) === start);
    },
    SLOW,
  );

  test(
    "rulegate_db_pool_* report the database connections; the process metrics are there",
    async () => {
      const postgres = testDatabaseUrl() !== undefined;
      let busiest = 0;
      const burst = Promise.all(
        Array.from({ length: 30 }, () => tenant.exchange().then((response) => response.text())),
      );
      let done = false;
      void burst.then(() => {
        done = true;
      });
      while (!done) {
        const current = await metrics();
        busiest = Math.max(busiest, current.value("rulegate_db_pool_in_use"));
        expect(current.value("rulegate_db_pool_max_connections")).toBe(postgres ? POOL_SIZE : 1);
      }
      await burst;
      // SQLite's one connection is synchronous: no query is ever in progress between two ticks.
      if (postgres) expect(busiest).toBeGreaterThan(0);
      else expect(busiest).toBe(0);
      const current = await metrics();
      expect(current.value("process_cpu_seconds_total")).toBeGreaterThan(0);
      expect(current.value("process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(current.value("process_start_time_seconds")).toBeGreaterThan(0);
    },
    SLOW,
  );

  test("no secret and nothing unbounded appears in the metrics", async () => {
    const text = await scrapeText(node, METRICS_TOKEN);
    for (const secret of [
      METRICS_TOKEN,
      ADMIN_KEY,
      PASSWORD,
      tenant.client.client_secret,
      tenant.client.client_id,
      tenant.email,
      tenant.user.user_id,
      "203.0.113.7",
      "ghost",
    ]) {
      expect(text.includes(secret)).toBe(false);
    }
    const allowed: Record<string, RegExp> = {
      grant_type: /^(password|refresh_token|unknown)$/,
      outcome: /^(success|[a-z_]+)$/,
      step: /^(password|rule|signing|database)$/,
      reason: /^(timeout|memory|crashed)$/,
      kind: /^(user_ip|ip)$/,
      le: /^[0-9.e+-]+|\+Inf$/,
    };
    for (const family of (await metrics()).families.filter((candidate) =>
      candidate.name.startsWith("rulegate_"),
    )) {
      for (const sample of family.samples) {
        for (const [label, value] of Object.entries(sample.labels)) {
          expect([family.name, label, allowed[label]?.test(value) ?? false]).toEqual([
            family.name,
            label,
            true,
          ]);
        }
      }
    }
  });

  test(
    "SIGTERM during a burst of 100 exchanges: every request is answered in full, later ones are refused, exit 0",
    async () => {
      const grace = 1500;
      const draining = await startNode({ SHUTDOWN_GRACE_MS: String(grace) });
      const drainingTenant = await seed(draining);
      // A rule that takes a moment, so the burst is still in flight when the grace period ends.
      await deployRule(
        draining,
        "module.exports = function (u, c, s, a, ctx, cb) { var end = Date.now() + 25; while (Date.now() < end) {} cb(null, {}); };",
      );
      expect((await drainingTenant.exchange()).status).toBe(200);
      const answers = Array.from({ length: 100 }, () =>
        drainingTenant.exchange().then(
          async (response) => ({
            status: response.status,
            body: await response.text(),
            at: performance.now(),
          }),
          (error: Error) => ({ status: 0, body: String(error), at: performance.now() }),
        ),
      );
      await sleep(100);
      const signalledAt = performance.now();
      draining.signal("SIGTERM");
      // Readiness turns 503 as soon as the signal is handled, well within the grace period.
      let ready = await fetch(`${draining.base}/health/ready`);
      while (ready.status === 200 && performance.now() - signalledAt < grace / 2) {
        await ready.text();
        ready = await fetch(`${draining.base}/health/ready`);
      }
      expect(ready.status).toBe(503);
      expect((await ready.json()).checks.shutdown).toBe("shutting_down");
      const results = await Promise.all(answers);
      const statuses = results.map((result) => result.status);
      expect(statuses.filter((status) => status === 200).length).toBe(100);
      for (const result of results) expect(typeof JSON.parse(result.body).access_token).toBe("string");
      // One rule host at 25 ms a call: the burst outlasts the grace period, so the drain had
      // requests in flight to finish.
      expect(results.filter((result) => result.at > signalledAt + grace).length).toBeGreaterThan(0);
      const remaining = grace + 200 - (performance.now() - signalledAt);
      if (remaining > 0) await sleep(remaining);
      expect(await refused(draining.port)).toBe(true);
      expect(await draining.exit).toEqual({ code: 0, signal: null });
      expect(draining.output()).toContain('"event":"stopped"');
      await draining.kill();
    },
    SLOW,
  );

  test(
    "a second signal exits at once",
    async () => {
      const stopping = await startNode({ SHUTDOWN_GRACE_MS: "20000" });
      const started = performance.now();
      stopping.signal("SIGTERM");
      while (!stopping.output().includes('"event":"shutting_down"')) await sleep(20);
      stopping.signal("SIGINT");
      const exit = await stopping.exit;
      expect(exit.code).toBe(1);
      expect(performance.now() - started).toBeLessThan(5000);
      await stopping.kill();
    },
    SLOW,
  );
});
