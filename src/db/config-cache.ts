import { eq } from "drizzle-orm";
import { type ConfigRows, type Db, preparedQuery } from "./database.ts";

const VERSION_ROW = 1;

const versionRow = preparedQuery<{ version: number }, Record<string, never>>(
  "config_version",
  ({ orm, tables: { configVersion } }) =>
    orm
      .select({ version: configVersion.version })
      .from(configVersion)
      .where(eq(configVersion.id, VERSION_ROW))
      .limit(1),
);

/**
 * Past this many kept results (most are one client, API or key each), the cache starts
 * over: requests naming ever new client ids or audiences cannot grow it without bound.
 */
const MAX_KEPT = 1000;

/**
 * The configuration rows a token request reads (the tenant, the client, the API, the rules
 * and actions, the signing key), kept in memory while the configuration's version has not
 * moved. Every change to a configuration table raises the version in the same transaction
 * (drizzle/0016_config_version_triggers.sql, drizzle-pg/0012_config_version_triggers.sql),
 * whichever node, tool or statement makes it; so one read of the version tells a request
 * whether the rows kept are still the stored ones, instead of one read per row.
 */
export interface ConfigCache {
  /**
   * The handle whose configuration queries answer from memory; every other statement, and
   * every transaction, goes to the database as on the handle it wraps. Use it only after
   * {@link check} in the same request.
   */
  readonly db: Db;
  /**
   * Reads the configuration's version and forgets the rows kept when it moved: a request
   * that checks sees every change committed before its check, as it would reading the rows.
   */
  check(): Promise<void>;
}

/** A configuration cache over `base`. */
export function createConfigCache(base: Db): ConfigCache {
  let version: number | undefined;
  // One map per version seen: a read started under a version stores its rows in that
  // version's map only, and it started after that version was read, so it holds them or
  // newer ones.
  let kept = new Map<string, Promise<unknown[]>>();

  const rows: ConfigRows = {
    base,
    read(key, load) {
      // No version row (a database migrated by hand without it): nothing is kept.
      if (version === undefined) return load();
      const found = kept.get(key);
      if (found) return found;
      if (kept.size >= MAX_KEPT) kept = new Map();
      const generation = kept;
      const loading = load().then(deepFreeze);
      generation.set(key, loading);
      // A failed read is not kept: the next request reads again.
      loading.catch(() => generation.get(key) === loading && generation.delete(key));
      return loading;
    },
  };

  return {
    db: { ...base, configRows: rows },
    async check() {
      const [row] = await versionRow(base, {});
      if (row?.version !== version) {
        version = row?.version;
        kept = new Map();
      }
    },
  };
}

/**
 * Kept rows are shared by every request that reads them: frozen, so code that would change
 * one in place fails at once instead of changing what the next request reads.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
  return value;
}
