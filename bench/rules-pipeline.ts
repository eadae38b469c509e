/**
 * What Auth0 Rules and Actions add to a password exchange, in process on this machine: the
 * Rules step (`runRulesPipeline`: the read of the enabled rules and configuration values,
 * the rule-host round trip of the whole pipeline, the reading of its answer, the log events)
 * with no rule, 1 rule and 5 rules; the post-login Actions step (`runPostLoginActions`) with
 * nothing bound and one bound action; next to the password-exchange rule's step (`runRule`,
 * the seed's sample rule). Each at 1 and 16 concurrent calls, after a warm-up.
 * Run: `npm run bench:rules`. Prints a table and writes bench/results/rules-pipeline.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { bootstrap } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config.ts";
import { deployAction, insertAction, replaceBindings } from "../src/db/actions.ts";
import { findClient } from "../src/db/clients.ts";
import { findResourceServerByIdentifier } from "../src/db/resource-servers.ts";
import { saveRule } from "../src/db/rule.ts";
import { findUserById } from "../src/db/users.ts";
import { createLogger } from "../src/logs/logger.ts";
import { runPostLoginActions } from "../src/oauth/run-actions.ts";
import { runRule } from "../src/oauth/run-rule.ts";
import { runRulesPipeline } from "../src/oauth/run-rules-pipeline.ts";
import type { ClientContext } from "../src/oauth/token-context.ts";
import { createRulePool } from "../src/rules/pool.ts";
import { sampleRuleInput } from "../src/rules/sample-input.ts";
import { detectRuntime } from "../src/runtime/runtime.ts";
import { ADMIN_KEY, round } from "./support/server.ts";

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Five rules of the kinds teams bring: claims from metadata, a check, a scope, a counter in global, a config value. */
const RULES = [
  `function (user, context, callback) {
    const roles = (user.app_metadata || {}).roles || [];
    context.accessToken['https://example.com/roles'] = roles;
    context.idToken['https://example.com/roles'] = roles;
    callback(null, user, context);
  }`,
  `function (user, context, callback) {
    const domain = user.email.split('@')[1];
    if (['blocked.example'].indexOf(domain) !== -1) return callback(new UnauthorizedError('Access denied.'));
    callback(null, user, context);
  }`,
  `function (user, context, callback) {
    context.accessToken.scope = (context.request.body.scope || 'read:sample').split(' ');
    callback(null, user, context);
  }`,
  `function (user, context, callback) {
    global.calls = (global.calls || 0) + 1;
    context.accessToken['https://example.com/host_calls'] = global.calls;
    callback(null, user, context);
  }`,
  `function (user, context, callback) {
    context.accessToken['https://example.com/plan'] = configuration.PLAN || 'free';
    callback(null, user, context);
  }`,
];

async function measure(concurrency: number, calls: number, once: () => Promise<unknown>) {
  for (let i = 0; i < 300; i++) await once();
  const samples: number[] = [];
  let remaining = calls;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (remaining-- > 0) {
        const started = performance.now();
        await once();
        samples.push(performance.now() - started);
      }
    }),
  );
  samples.sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(samples, 0.5)),
    p99_ms: round(percentile(samples, 0.99)),
    calls: samples.length,
  };
}

const dir = mkdtempSync(join(tmpdir(), "rulegate-bench-rules-"));
const runtime = await detectRuntime();
const config = loadConfig(
  { DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: "silent", LOG_RETENTION_DAYS: "1" },
  availableParallelism(),
);
const { db, close } = await (await import("../src/db/open-database.ts")).openDatabase(runtime, config);
const log = createLogger("silent");
const rules = createRulePool({ config, log });
const { deps } = await bootstrap({ config, db, log, rules });
const app = createApp(deps, runtime);
const admin = async (method: string, path: string, body?: unknown) => {
  const answer = await app.handle(
    new Request(`http://localhost/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
  return answer.status === 204 ? undefined : answer.json();
};

await admin("POST", "/resource-servers", {
  identifier: "https://someapi.com/api",
  scopes: [{ value: "read:sample", description: "" }],
});
const created = await admin("POST", "/clients", { name: "bench client" });
const createdUser = await admin("POST", "/users", {
  email: "bench@example.com",
  password: "bench password 123",
  app_metadata: { roles: ["admin"] },
});
await admin("PUT", "/rules-configs/PLAN", { value: "gold" });
const client = (await findClient(db, created.client_id))!;
const user = (await findUserById(db, createdUser.user_id))!;
const api = (await findResourceServerByIdentifier(db, "https://someapi.com/api"))!;

const params = {
  grant_type: "password",
  username: "bench@example.com",
  audience: "https://someapi.com/api",
  scope: "read:sample",
  client_id: client.clientId,
};
const clientContext = () =>
  ({
    deps,
    request: new Request("http://localhost/oauth/token", { method: "POST" }),
    requestId: "bench",
    startedAt: performance.now(),
    params,
    ip: "203.0.113.7",
    client,
  }) as ClientContext;
const rulesStep = () =>
  runRulesPipeline(clientContext(), {
    user,
    api,
    scope: ["read:sample"],
    protocol: "oauth2-password",
    authTime: new Date(),
  });

const results: Record<string, unknown> = {};
const cells = async (name: string, once: () => Promise<unknown>) => {
  results[name] = { c1: await measure(1, 3000, once), c16: await measure(16, 3000, once) };
};

await cells("rules step, no rule", rulesStep);
const ids: string[] = [];
for (const [index, script] of RULES.entries()) {
  const rule = await admin("POST", "/rules", { name: `rule-${index + 1}`, order: index + 1, script });
  ids.push(rule.id);
}
// One rule enabled, then five.
for (const id of ids.slice(1)) await admin("PATCH", `/rules/${id}`, { enabled: false });
await cells("rules step, 1 rule", rulesStep);
for (const id of ids.slice(1)) await admin("PATCH", `/rules/${id}`, { enabled: true });
await cells("rules step, 5 rules", rulesStep);
for (const id of ids) await admin("DELETE", `/rules/${id}`);

// One bound post-login action (claims from app_metadata), its step next to the others'.
const actionId = crypto.randomUUID();
const now = new Date();
await insertAction(db, {
  id: actionId,
  name: "roles",
  supportedTriggers: [{ id: "post-login", version: "v3" }],
  code: `exports.onExecutePostLogin = async (event, api) => {
    api.accessToken.setCustomClaim("https://example.com/roles", event.user.app_metadata.roles || []);
  };`,
  runtime: "node22",
  dependencies: [],
  secrets: {},
  deployedVersionId: null,
  deployedAt: null,
  createdAt: now,
  updatedAt: now,
});
await deployAction(db, actionId, crypto.randomUUID(), now);
const actionsStep = () =>
  runPostLoginActions(clientContext(), {
    user,
    api,
    scope: ["read:sample"],
    protocol: "oauth2-password",
    authTime: new Date(),
  });
await cells("post-login actions step, nothing bound", actionsStep);
await replaceBindings(
  db,
  "post-login",
  [{ id: crypto.randomUUID(), actionId, displayName: "roles", createdAt: Date.now() }],
  new Date(),
);
await cells("post-login actions step, 1 action", actionsStep);

await saveRule(db, {
  script: readFileSync("rules/password-exchange.js", "utf8"),
  enabled: true,
  updatedAt: new Date(),
});
const input = sampleRuleInput("default", "https://someapi.com/api");
await cells("password-exchange rule step (sample rule)", () =>
  runRule(deps, { ...input, scope: [...input.scope] }, "bench"),
);

await rules.close();
close();
rmSync(dir, { recursive: true, force: true });

const report = {
  date: new Date().toISOString(),
  machine: { cores: availableParallelism(), runtime: `bun ${process.versions.bun ?? "?"}` },
  steps: results,
};
console.log("Step latency in process (ms), 3000 calls per cell after 300 warm-up calls:");
console.table(
  Object.fromEntries(
    Object.entries(results).map(([name, cell]) => {
      const { c1, c16 } = cell as Record<string, { p50_ms: number; p99_ms: number }>;
      return [
        name,
        { "c1 p50": c1!.p50_ms, "c1 p99": c1!.p99_ms, "c16 p50": c16!.p50_ms, "c16 p99": c16!.p99_ms },
      ];
    }),
  ),
);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/rules-pipeline.json", `${JSON.stringify(report, null, 2)}\n`);
