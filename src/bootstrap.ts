import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/database.ts";
import { ensureTenantSettings, updateTenantSettings } from "./db/tenant-settings.ts";
import type { Deps } from "./deps.ts";
import { createJobRunner } from "./imports/job-runner.ts";
import { createEventLog } from "./logs/event-log.ts";
import type { Logger } from "./logs/logger.ts";
import type { RulePool } from "./rules/pool.ts";
import { createPasswordHasher } from "./runtime/password-hasher.ts";
import { randomSecret } from "./security/random-secret.ts";
import { secretDigest } from "./security/secret-digest.ts";
import { createKeyStore } from "./tokens/key-store.ts";

/** What start-up found and did, for main.ts to report. */
export interface Bootstrap {
  deps: Deps;
  /** True when this start created the database's tenant (a new database). */
  newDatabase: boolean;
  /** Set only on the start that generated the admin key: print it once, it is not kept. */
  generatedAdminKey?: string;
}

/**
 * Builds the dependencies over an open database: the tenant row, the management key
 * (`ADMIN_API_KEY`, or one generated on first start and kept only as a digest), the
 * password hasher and the signing keys (an RS256 key is generated on first start).
 */
export async function bootstrap(options: {
  config: Config;
  db: Db;
  log: Logger;
  rules: RulePool;
  clock?: Clock;
}): Promise<Bootstrap> {
  const { config, db, log, rules } = options;
  const clock = options.clock ?? systemClock;
  const { settings, created } = await ensureTenantSettings(db, config.tenant, clock.now());

  let generatedAdminKey: string | undefined;
  let adminKeyDigest: string;
  if (config.adminApiKey !== undefined) {
    adminKeyDigest = secretDigest(config.adminApiKey);
  } else if (settings.adminKeyHash) {
    adminKeyDigest = settings.adminKeyHash;
  } else {
    generatedAdminKey = `rg_admin_${randomSecret(32)}`;
    adminKeyDigest = secretDigest(generatedAdminKey);
    await updateTenantSettings(db, { adminKeyHash: adminKeyDigest, updatedAt: clock.now() });
  }

  const keys = createKeyStore(db, clock);
  await keys.signingKey("RS256");
  const hasher = await createPasswordHasher();
  const deps: Deps = {
    config,
    db,
    clock,
    hasher,
    keys,
    log,
    events: createEventLog(db, clock, log),
    rules,
    imports: createJobRunner(() => deps),
    adminKeyDigest,
  };
  return {
    deps,
    newDatabase: created,
    generatedAdminKey,
  };
}
