import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/database.ts";
import { getTenantSettings } from "./db/tenant-settings.ts";
import type { Deps } from "./deps.ts";
import { createEmailQueue } from "./email/email-queue.ts";
import { completeFirstStart, type FirstStart } from "./first-start.ts";
import { createLifecycle, type Lifecycle } from "./health/lifecycle.ts";
import { createJobRunner } from "./imports/job-runner.ts";
import { createEventLog } from "./logs/event-log.ts";
import type { Logger } from "./logs/logger.ts";
import { managementApi } from "./management/management-api.ts";
import { createMetrics, type Metrics } from "./metrics/metrics.ts";
import { createWaitingLines } from "./oauth/waiting-lines.ts";
import { prepareDemo } from "./provision-demo.ts";
import type { RulePool } from "./rules/pool.ts";
import { newAdminKey } from "./security/new-admin-key.ts";
import { createPasswordHasher } from "./security/password-hasher.ts";
import { secretDigest } from "./security/secret-digest.ts";
import { createKeyStore } from "./tokens/key-store.ts";

/** What start-up built, and what it left for main.ts to store once the server listens. */
export interface Bootstrap {
  deps: Deps;
  /**
   * With `deferFirstStart`, this database's first start (tenant row, generated admin key,
   * demo), still to store with `completeFirstStart`; absent when there is none left to do.
   */
  firstStart?: FirstStart;
}

/**
 * Builds the dependencies over an open database: the management key (`ADMIN_API_KEY`, the
 * stored digest, or a new one generated for a first start), the password hasher and the
 * signing keys (an RS256 key is generated at once when there is none: storing it early is
 * harmless, nothing is printed about it).
 *
 * main.ts passes `deferFirstStart`: the first start is prepared (with the demo, outside
 * production) and returned, to be stored once the server listens. In-process apps (tests,
 * benchmarks) never listen: without the option the tenant row and a generated key's digest
 * are stored here and no demo is made.
 */
export async function bootstrap(options: {
  config: Config;
  db: Db;
  log: Logger;
  rules: RulePool;
  clock?: Clock;
  deferFirstStart?: boolean;
  /** main.ts's, which the rule pool reports to as well; otherwise a new registry. */
  metrics?: Metrics;
  lifecycle?: Lifecycle;
}): Promise<Bootstrap> {
  const { config, db, log, rules } = options;
  const clock = options.clock ?? systemClock;
  const settings = await getTenantSettings(db);
  const firstStart: FirstStart = settings ? {} : { tenant: config.tenant };

  let adminKeyDigest: string;
  if (config.adminApiKey !== undefined) {
    adminKeyDigest = secretDigest(config.adminApiKey);
  } else if (settings?.adminKeyHash) {
    adminKeyDigest = settings.adminKeyHash;
  } else {
    const generated = newAdminKey();
    firstStart.adminKey = generated.key;
    adminKeyDigest = generated.digest;
  }

  const keys = createKeyStore(db, clock);
  // A new installation's slow parts at once: its signing keys' prime search, the dummy hash
  // and the demo user's hash run on the thread pool side by side.
  const hasherReady = createPasswordHasher();
  const demoWanted = firstStart.tenant !== undefined && !config.production && options.deferFirstStart;
  const [, hasher, demo] = await Promise.all([
    keys.signingKey("RS256"),
    hasherReady,
    demoWanted ? hasherReady.then((ready) => prepareDemo({ clock, hasher: ready })) : undefined,
  ]);
  const metrics = options.metrics ?? createMetrics();
  metrics.sources.ruleQueueDepth = () => rules.queueDepth();
  metrics.sources.databasePool = db.poolUse;
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
    emails: createEmailQueue(() => deps),
    adminKeyDigest,
    metrics,
    builtInApis: [managementApi({ config })],
    lifecycle: options.lifecycle ?? createLifecycle(),
    waitingLines: createWaitingLines(),
  };
  if (firstStart.tenant === undefined && firstStart.adminKey === undefined) return { deps };
  if (!options.deferFirstStart) {
    await completeFirstStart(db, firstStart, clock.now());
    return { deps };
  }
  if (demo) firstStart.demo = demo;
  return { deps, firstStart };
}
