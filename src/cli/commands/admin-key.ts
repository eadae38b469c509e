import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { type Config, ConfigError, loadConfig } from "../../config.ts";
import { openDatabase } from "../../db/open-database.ts";
import { getTenantSettings, updateTenantSettings } from "../../db/tenant-settings.ts";
import { detectRuntime } from "../../runtime/runtime.ts";
import { newAdminKey } from "../../security/new-admin-key.ts";
import { CliError } from "../api-client.ts";
import type { CliContext } from "../context.ts";

type Env = Record<string, string | undefined>;

/**
 * Replaces the stored management key's digest with a new key's, in the database at `DB_PATH`
 * (or `DATABASE_URL`), and returns the new key and where it went. Needs no key: whoever can
 * write the database may.
 */
async function rotateStoredAdminKey(env: Env): Promise<{ key: string; dbPath: string }> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`configuration error: ${error.message}`);
    throw error;
  }
  const where =
    config.databaseUrl === undefined ? resolve(config.dbPath) : "the PostgreSQL database at DATABASE_URL";
  // Opening a path that is not there would create an empty database: a wrong DB_PATH must say so instead.
  if (config.databaseUrl === undefined && !existsSync(config.dbPath)) {
    throw new CliError(`DB_PATH: there is no database at ${where}`);
  }
  const database = await openDatabase(await detectRuntime(), config);
  try {
    const { key, digest } = newAdminKey();
    await database.db.transaction(async (tx) => {
      if (!(await getTenantSettings(tx))) {
        throw new CliError(`${where} has not completed a first start: start the server, it prints a new key`);
      }
      await updateTenantSettings(tx, { adminKeyHash: digest, updatedAt: new Date() });
    });
    return { key, dbPath: where };
  } finally {
    await database.close();
  }
}

/**
 * `rulegate admin-key rotate`: a new management key when the old one is lost. The one command
 * that works on the database file (`DB_PATH`) rather than over HTTP, since the management API
 * itself needs the lost key.
 */
export function registerAdminKey(program: Command, cli: CliContext, env: Env = process.env): void {
  program
    .command("admin-key")
    .description("the management API key, on the database file (the one command that does not use HTTP)")
    .command("rotate")
    .description(
      "make a new management API key without the old one: opens the database at DB_PATH directly " +
        "(run it where the database is; no --url or --key), stores only the new key's hash and prints the key once",
    )
    .action(async () => {
      const { key, dbPath } = await rotateStoredAdminKey(env);
      const out = cli.out();
      if (out.json) out.show({ admin_api_key: key, db_path: dbPath });
      else out.note(`New management API key (shown once, only its hash is stored in ${dbPath}):\n  ${key}`);
      // src/management/admin-auth.ts compares with the digest the server read at start.
      out.note(
        "A running server keeps accepting the old key until it restarts: it reads the key's hash at start.",
      );
      const override = env.ADMIN_API_KEY_FILE
        ? "ADMIN_API_KEY_FILE"
        : env.ADMIN_API_KEY
          ? "ADMIN_API_KEY"
          : "";
      if (override) {
        out.note(
          `${override} is set here: a server started with it uses that key and ignores the stored one; ` +
            "unset it where the server runs for this key to apply.",
        );
      }
    });
}
