import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, type SQL, sql } from "drizzle-orm";
import { findClient } from "../../src/db/clients.ts";
import { createConfigCache } from "../../src/db/config-cache.ts";
import { CONFIGURATION_QUERIES } from "../../src/db/database.ts";
import {
  aliceExchange,
  createHarness,
  type Harness,
  type SeededTenant,
  seedTenant,
} from "../support/harness.ts";

/** The tables whose changes raise the configuration's version (drizzle/0016_…, drizzle-pg/0012_…). */
const CONFIGURATION_TABLES = [
  "tenant_settings",
  "clients",
  "client_grants",
  "resource_servers",
  "signing_keys",
  "rules",
  "rule_secrets",
  "auth0_rules",
  "actions",
  "action_versions",
  "action_triggers",
];

let h: Harness;
let seed: SeededTenant;

beforeAll(async () => {
  h = await createHarness();
  seed = await seedTenant(h);
});
afterAll(() => h.close());

/** Rows of a raw statement, on either engine. */
async function rows<Row>(statement: SQL): Promise<Row[]> {
  const orm = h.deps.db.orm as unknown as {
    all?: (statement: SQL) => Promise<Row[]>;
    execute: (statement: SQL) => Promise<Row[]>;
  };
  return h.deps.db.engine === "sqlite" ? await orm.all!(statement) : [...(await orm.execute(statement))];
}

async function version(): Promise<number> {
  const { configVersion } = h.deps.db.tables;
  const [row] = await h.deps.db.orm.select().from(configVersion).where(eq(configVersion.id, 1));
  return row!.version;
}

describe("the configuration's version", () => {
  test("every configuration table has triggers for inserts, updates and deletes", async () => {
    const found =
      h.deps.db.engine === "sqlite"
        ? (
            await rows<{ tbl_name: string; sql: string }>(
              sql`select tbl_name, sql from sqlite_master where type = 'trigger' and name like '%_config_%'`,
            )
          ).map((row) => `${row.tbl_name} ${/AFTER (\w+)/.exec(row.sql)![1]!.toLowerCase()}`)
        : (
            await rows<{ event_object_table: string; event_manipulation: string }>(
              sql`select event_object_table, event_manipulation from information_schema.triggers where trigger_name like '%_config_changed'`,
            )
          ).map((row) => `${row.event_object_table} ${row.event_manipulation.toLowerCase()}`);
    const expected = CONFIGURATION_TABLES.flatMap((table) =>
      ["insert", "update", "delete"].map((operation) => `${table} ${operation}`),
    );
    expect(found.sort()).toEqual(expected.sort());
  });

  test("every configuration query reads configuration tables only, so no kept row can miss a change", () => {
    expect(CONFIGURATION_QUERIES.size).toBeGreaterThanOrEqual(8);
    for (const [name, build] of CONFIGURATION_QUERIES) {
      const text = (build(h.deps.db) as { toSQL(): { sql: string } }).toSQL().sql;
      const tables = [...text.matchAll(/\b(?:from|join)\s+["`](\w+)["`]/gi)].map((match) => match[1]);
      expect(tables.length).toBeGreaterThan(0);
      const outside = tables.filter((table) => !CONFIGURATION_TABLES.includes(table!));
      expect({ name, outside }).toEqual({ name, outside: [] });
    }
  });

  test("a change through the API raises it, and so does one made beside the API; other writes do not", async () => {
    const start = await version();
    await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, { name: "post client, renamed" });
    const afterApi = await version();
    expect(afterApi).toBeGreaterThan(start);
    await h.deps.db.execute(sql`update resource_servers set name = 'renamed by hand'`);
    expect(await version()).toBeGreaterThan(afterApi);
    const beforeExchange = await version();
    expect((await aliceExchange(h, seed)).status).toBe(200);
    expect(await version()).toBe(beforeExchange);
  });
});

describe("token requests read the configuration through the cache", () => {
  test("an exchange sees at once a change made beside the API: an API's token lifetime, a client removed", async () => {
    const first = await (await aliceExchange(h, seed)).json();
    expect(first.expires_in).toBe(3600);
    await h.deps.db.execute(
      sql`update resource_servers set token_lifetime = 120 where identifier = 'https://api.example.com'`,
    );
    const second = await (await aliceExchange(h, seed)).json();
    expect(second.expires_in).toBe(120);
    const gone = await h.admin("POST", "/clients", { name: "short-lived", grant_types: ["password"] });
    const client = await gone.json();
    const exchange = () =>
      h.token({
        grant_type: "password",
        username: "alice@example.com",
        password: "correct horse battery",
        audience: "https://api.example.com",
        client_id: client.client_id,
        client_secret: client.client_secret,
      });
    expect((await exchange()).status).toBe(200);
    await h.deps.db.execute(sql`delete from clients where client_id = ${client.client_id}`);
    const refused = await exchange();
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toBe("invalid_client");
  });

  test("rows are kept between checks, shared and frozen; the next check after a change reads it", async () => {
    const cache = createConfigCache(h.deps.db);
    await cache.check();
    const kept = await findClient(cache.db, seed.basicClient.client_id);
    expect(await findClient(cache.db, seed.basicClient.client_id)).toBe(kept);
    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(kept!.grantTypes)).toBe(true);
    expect(() => (kept!.grantTypes as string[]).push("client_credentials")).toThrow(TypeError);

    await h.admin("PATCH", `/clients/${seed.basicClient.client_id}`, { name: "basic client, renamed" });
    // Without a check, the kept row answers: the cache is what the request reads.
    expect((await findClient(cache.db, seed.basicClient.client_id))?.name).toBe("basic client");
    await cache.check();
    expect((await findClient(cache.db, seed.basicClient.client_id))?.name).toBe("basic client, renamed");
    // Any other handle reads the database itself.
    expect((await findClient(h.deps.db, seed.basicClient.client_id))?.name).toBe("basic client, renamed");
  });

  test("an unknown client is not kept for ever: the cache stays bounded", async () => {
    const cache = createConfigCache(h.deps.db);
    await cache.check();
    for (let i = 0; i < 1500; i++) expect(await findClient(cache.db, `cli_unknown_${i}`)).toBeUndefined();
    const known = await findClient(cache.db, seed.postClient.client_id);
    expect(known?.clientId).toBe(seed.postClient.client_id);
  });
});
