import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrap } from "../src/bootstrap.ts";
import { systemClock } from "../src/clock.ts";
import { loadConfig } from "../src/config.ts";
import { countClients } from "../src/db/clients.ts";
import { openDatabase } from "../src/db/open-database.ts";
import { countResourceServers } from "../src/db/resource-servers.ts";
import { findRule } from "../src/db/rule.ts";
import { getTenantSettings } from "../src/db/tenant-settings.ts";
import { deleteUser, findUserByEmail, insertUser } from "../src/db/users.ts";
import { completeFirstStart } from "../src/first-start.ts";
import { createLogger } from "../src/logs/logger.ts";
import type { RulePool } from "../src/rules/pool.ts";
import { detectRuntime } from "../src/runtime/runtime.ts";
import { secretDigest } from "../src/security/secret-digest.ts";
import { databaseEnv } from "./support/postgres.ts";

const dir = mkdtempSync(join(tmpdir(), "rulegate-first-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function openNewDatabase(name: string) {
  const dbPath = join(dir, name);
  const config = loadConfig({ DB_PATH: dbPath, ...(await databaseEnv(dbPath)) });
  const database = await openDatabase(await detectRuntime(), config);
  // bootstrap only hands the pool on to the app; no rule runs here.
  const start = () =>
    bootstrap({
      config,
      db: database.db,
      log: createLogger("silent"),
      rules: {} as RulePool,
      deferFirstStart: true,
    });
  return { db: database.db, close: database.close, start };
}

test("a first start stores nothing until completed, then all of it or nothing", async () => {
  const { db, close, start } = await openNewDatabase("all-or-nothing.sqlite");
  const failed = await start();
  expect(failed.firstStart?.adminKey).toStartWith("rg_admin_");
  expect(failed.firstStart?.demo).toBeDefined();
  expect(await getTenantSettings(db)).toBeUndefined();

  // The demo's user cannot be stored (its address is taken): the whole first start is undone.
  const squatter = await insertUser(db, {
    id: "usr_squatter",
    email: "user@example.com",
    emailVerified: false,
    name: "Squatter",
    passwordHash: "not a hash",
    userMetadata: {},
    appMetadata: {},
    blocked: false,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await expect(completeFirstStart(db, failed.firstStart!, systemClock.now())).rejects.toThrow();
  expect(await getTenantSettings(db)).toBeUndefined();
  expect(await countResourceServers(db)).toBe(0);
  expect(await countClients(db)).toBe(0);
  expect(await findRule(db)).toBeUndefined();

  // The next start prepares the first start again, and it is stored whole.
  await deleteUser(db, squatter.id);
  const next = await start();
  expect(next.firstStart?.adminKey).toStartWith("rg_admin_");
  expect(next.firstStart?.adminKey).not.toBe(failed.firstStart?.adminKey);
  expect(await completeFirstStart(db, next.firstStart!, systemClock.now())).toBe(true);
  expect((await getTenantSettings(db))?.adminKeyHash).toBe(secretDigest(next.firstStart!.adminKey!));
  expect(await countResourceServers(db)).toBe(1);
  expect(await findUserByEmail(db, "user@example.com")).toBeDefined();
  expect((await findRule(db))?.enabled).toBe(true);

  // Done once: a later start has no first start, and a repeated one writes nothing.
  const later = await start();
  expect(later.firstStart).toBeUndefined();
  expect(later.deps.adminKeyDigest).toBe(secretDigest(next.firstStart!.adminKey!));
  expect(await completeFirstStart(db, failed.firstStart!, systemClock.now())).toBe(false);
  expect(await countResourceServers(db)).toBe(1);
  close();
});

test("without deferFirstStart (in-process apps) the tenant row is stored at once and no demo is made", async () => {
  const { db, close } = await openNewDatabase("in-process.sqlite");
  const config = loadConfig({
    DB_PATH: join(dir, "in-process.sqlite"),
    ADMIN_API_KEY: "in-process-key-0123456789",
  });
  const { deps, firstStart } = await bootstrap({
    config,
    db,
    log: createLogger("silent"),
    rules: {} as RulePool,
  });
  expect(firstStart).toBeUndefined();
  expect(deps.adminKeyDigest).toBe(secretDigest("in-process-key-0123456789"));
  expect((await getTenantSettings(db))?.adminKeyHash).toBeNull();
  expect(await countResourceServers(db)).toBe(0);
  close();
});
