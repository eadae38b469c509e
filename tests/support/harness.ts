import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { bootstrap } from "../../src/bootstrap.ts";
import type { Clock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import type { Deps } from "../../src/deps.ts";
import { rememberClientIp } from "../../src/http/client-ip.ts";
import { createLogger } from "../../src/logs/logger.ts";
import { createRulePool, type RulePool } from "../../src/rules/pool.ts";
import { detectRuntime } from "../../src/runtime/runtime.ts";
import { databaseEnv, dropTestDatabase } from "./postgres.ts";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

/**
 * A real app over a real SQLite file in a temporary folder (or, when the run sets
 * `TEST_DATABASE_URL`, a fresh schema of that PostgreSQL database) and a real rule pool;
 * requests go through `app.handle`. Every operational log line is kept in `logLines`.
 */
export async function createHarness(
  env: Record<string, string> = {},
  options: {
    clock?: Clock;
    pool?: Pick<Parameters<typeof createRulePool>[0], "hostEntry" | "maxThrowawayQueue">;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "rulegate-test-"));
  const dbPath = join(dir, "rulegate.sqlite");
  const config = loadConfig({
    DB_PATH: dbPath,
    ...(await databaseEnv(dbPath)),
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: "debug",
    RULE_WORKERS: "2",
    ISSUER: "http://localhost/",
    ...env,
  });
  const runtime = await detectRuntime();
  const database = await openDatabase(runtime, config);
  const logLines: string[] = [];
  const log = createLogger(config.logLevel, { write: (line: string) => logLines.push(line) });
  const rules = createRulePool({ config, log, ...options.pool });
  const { deps } = await bootstrap({ config, db: database.db, log, rules, clock: options.clock });
  const app = createApp(deps, runtime);

  /** An in-process request; `remoteAddress` plays the socket peer the server adapter records. */
  const request = (path: string, init?: RequestInit, remoteAddress?: string) => {
    const built = new Request(`http://localhost${path}`, init);
    if (remoteAddress) rememberClientIp(built, remoteAddress);
    return app.handle(built);
  };

  /** A management API call with the admin key; `body` is sent as JSON. */
  const admin = (method: string, path: string, body?: unknown) =>
    request(`/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** Posts token parameters as JSON (or as a form with `form: true`). */
  const token = (
    params: Record<string, string>,
    options: { form?: boolean; headers?: Record<string, string>; remoteAddress?: string } = {},
  ) =>
    request(
      "/oauth/token",
      {
        method: "POST",
        headers: {
          "content-type": options.form ? "application/x-www-form-urlencoded" : "application/json",
          ...options.headers,
        },
        body: options.form ? new URLSearchParams(params).toString() : JSON.stringify(params),
      },
      options.remoteAddress,
    );

  return {
    app,
    deps: deps as Deps,
    rules: rules as RulePool,
    dir,
    logLines,
    request,
    admin,
    token,
    async close() {
      await deps.emails.stop();
      await rules.close();
      await database.close();
      if (config.databaseUrl) await dropTestDatabase(config.databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** Creates an API, one client per auth method, and two users through the management API. */
export async function seedTenant(harness: Harness) {
  const json = async (response: Response | Promise<Response>) => {
    const answer = await response;
    if (answer.status >= 300) throw new Error(`seed failed: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };
  const api = await json(
    harness.admin("POST", "/resource-servers", {
      identifier: "https://api.example.com",
      name: "Example API",
      scopes: [
        { value: "read:things", description: "Read things" },
        { value: "write:things", description: "Write things" },
      ],
      token_lifetime: 3600,
      allow_offline_access: true,
    }),
  );
  const postClient = await json(harness.admin("POST", "/clients", { name: "post client" }));
  const basicClient = await json(
    harness.admin("POST", "/clients", {
      name: "basic client",
      token_endpoint_auth_method: "client_secret_basic",
    }),
  );
  const publicClient = await json(
    harness.admin("POST", "/clients", { name: "public client", token_endpoint_auth_method: "none" }),
  );
  const refreshOnlyClient = await json(
    harness.admin("POST", "/clients", { name: "refresh only", grant_types: ["refresh_token"] }),
  );
  const alice = await json(
    harness.admin("POST", "/users", {
      email: "Alice@Example.com",
      password: "correct horse battery",
      name: "Alice",
      app_metadata: { roles: ["admin"] },
    }),
  );
  const bob = await json(
    harness.admin("POST", "/users", { email: "bob@example.com", password: "bob's password", blocked: true }),
  );
  return { api, postClient, basicClient, publicClient, refreshOnlyClient, alice, bob };
}

export type SeededTenant = Awaited<ReturnType<typeof seedTenant>>;

/** The parameters of Alice's password exchange at the seeded API through the `client_secret_post` client. */
export const aliceExchangeParams = (seed: SeededTenant) => ({
  grant_type: "password" as const,
  username: "alice@example.com",
  password: "correct horse battery",
  audience: "https://api.example.com",
  client_id: seed.postClient.client_id as string,
  client_secret: seed.postClient.client_secret as string,
});

/**
 * Alice's password exchange ({@link aliceExchangeParams}), with `extra` parameters and the
 * harness's token request options (form body, headers, remote address).
 */
export const aliceExchange = (
  harness: Harness,
  seed: SeededTenant,
  extra: Record<string, string> = {},
  options: Parameters<Harness["token"]>[1] = {},
) => harness.token({ ...aliceExchangeParams(seed), ...extra }, options);

/** A clock the test moves by hand. */
export function testClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}
