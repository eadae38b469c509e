/**
 * The rule queue's metrics on a real node: with one rule host and a slow rule, a burst of
 * exchanges fills the queue (`rulegate_rule_queue_depth`) past its bound (128 calls per host),
 * and the calls turned away are counted (`rulegate_rule_queue_rejections_total`) and answered.
 */
import { afterAll, expect, test } from "bun:test";
import { admin, deployRule, killAllNodes, scrape, seed, sleep, startNode, until } from "./node.ts";

afterAll(() => killAllNodes());

test("a full rule queue shows in rulegate_rule_queue_depth and rulegate_rule_queue_rejections_total", async () => {
  const node = await startNode({ RULE_WORKERS: "1" });
  try {
    const tenant = await seed(node);
    // The burst is one user from one address: with brute-force protection on, the checks past
    // the pair's limit wait at most 5 s for those in progress, and on a slow machine most
    // of them are answered 429 before their verify, so the rule queue never fills. This test
    // is about the rule queue.
    await admin(node, "PATCH", "/tenants/settings", { brute_force_protection: { enabled: false } });
    await deployRule(
      node,
      "module.exports = function (u, c, s, a, ctx, cb) { var end = Date.now() + 1000; while (Date.now() < end) {} cb(null, {}); };",
    );
    const before = await scrape(node);
    expect(before.value("rulegate_rule_queue_depth")).toBe(0);
    const statuses: number[] = [];
    const burst = Array.from({ length: 160 }, () =>
      tenant.exchange().then(
        (response) => statuses.push(response.status),
        () => statuses.push(0),
      ),
    );
    let deepest = 0;
    const after = await until(
      node,
      (current) => {
        deepest = Math.max(deepest, current.value("rulegate_rule_queue_depth"));
        return current.value("rulegate_rule_queue_rejections_total") > 0;
      },
      // The burst reaches the rule queue as fast as its verifies end: on a slow 2-core machine
      // that shares its cores with other suites, that is ~12 a second.
      60_000,
    );
    expect(deepest).toBeGreaterThan(0);
    expect(deepest).toBeLessThanOrEqual(128);
    expect(after.value("rulegate_rule_queue_rejections_total")).toBeGreaterThan(0);
    // A turned-away call counts as a rule error, answered at once with RFC 6749's temporarily_unavailable.
    expect(after.value("rulegate_rule_calls_total", { outcome: "error" })).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (!statuses.includes(503) && Date.now() < deadline) await sleep(20);
    expect(statuses).toContain(503);
    void burst;
  } finally {
    await node.kill();
  }
}, 120_000);
