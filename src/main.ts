import { availableParallelism } from "node:os";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { findFlow } from "./db/actions.ts";
import { findPipeline } from "./db/auth0-rules.ts";
import type { Database } from "./db/database.ts";
import { isDatabaseError, isDatabaseUnavailable } from "./db/errors.ts";
import { newerSchemaReason } from "./db/migrations-applied.ts";
import { openDatabase } from "./db/open-database.ts";
import { findRule } from "./db/rule.ts";
import { completeFirstStart } from "./first-start.ts";
import { createLifecycle } from "./health/lifecycle.ts";
import { startingAnswer } from "./health/starting-answer.ts";
import { firstLine, listenErrorMessage } from "./listen-error-message.ts";
import { createLogger, type Logger } from "./logs/logger.ts";
import { startLogRetention } from "./logs/retention.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { rulePoolObserver } from "./metrics/rule-pool-observer.ts";
import { ACTION_TRIGGERS, type ActionTriggerId, HOOK_IDS } from "./model/rule-ids.ts";
import { demoCurl } from "./provision-demo.ts";
import { prepareFlow } from "./rules/actions-flow.ts";
import { createRulePool } from "./rules/pool.ts";
import { pipelineScript, ruleScript } from "./rules/rule-version.ts";
import { detectRuntime, type ShutdownSignal } from "./runtime/runtime.ts";
import { HUGE_PAGES_SETTING, hugePagesOff } from "./security/password-hasher.ts";

/** A bad setting ends start-up with one line naming the variable, and exit status 1: no stack trace. */
function exitWithConfigError(message: string): never {
  console.error(`rulegate: configuration error: ${message}`);
  process.exit(1);
}

/** Why the database could not be used, naming the variable (never the URL: it may hold a password). */
const databaseMessage = (config: Config, error: unknown) =>
  config.databaseUrl === undefined
    ? `DB_PATH ${JSON.stringify(config.dbPath)} cannot be opened or written: ${firstLine(error)}`
    : `DATABASE_URL: PostgreSQL cannot be reached or used: ${databaseReason(error)}`;

/** The driver's code and message of a PostgreSQL failure, without Drizzle's quoted statement. */
const databaseReason = (error: unknown) => {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const code = (cause as { code?: unknown })?.code;
  return [code, firstLine(cause)].filter(Boolean).join(" ");
};

const isStorageError = (error: unknown) => isDatabaseError(error) || isDatabaseUnavailable(error);

/**
 * The last line of defence: an error nothing awaited (a driver's background work, a timer)
 * is logged, and the node keeps serving. Ending the process would turn one lost connection
 * into an outage of every request on the node; a request whose own work fails still gets
 * its error answer (503 for the database) from the app's error handler.
 */
function keepServingOnStrayErrors(log: Logger): void {
  process.on("unhandledRejection", (reason) =>
    log.error({ event: "unhandled_rejection", err: reason }, "an error nothing awaited; still serving"),
  );
  process.on("uncaughtException", (error) =>
    log.error({ event: "uncaught_exception", err: error }, "an error nothing caught; still serving"),
  );
}

/**
 * Start-up: config → database → deps → app → listen → first-start work. The only file that
 * starts anything.
 */
async function main() {
  let config: Config;
  try {
    config = loadConfig(process.env, availableParallelism());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    exitWithConfigError(error.message);
  }
  const runtime = await detectRuntime();
  const log = createLogger(config.logLevel);
  keepServingOnStrayErrors(log);
  // Listen at once, answering "alive, not ready" until the app is built: opening the database
  // may wait for another node's migration (its lock) for as long as that takes, and a
  // liveness probe must not kill the node meanwhile.
  let handle: (request: Request) => Response | Promise<Response> = startingAnswer;
  let server: ReturnType<typeof runtime.serve>;
  try {
    server = runtime.serve({ port: config.port, hostname: config.host, fetch: (request) => handle(request) });
  } catch (error) {
    exitWithConfigError(listenErrorMessage(error, config));
  }
  let database: Database;
  try {
    database = await openDatabase(runtime, config, () =>
      log.warn(
        { event: "migration_lock_wait" },
        "another node is migrating the database: waiting for its migration lock",
      ),
    );
  } catch (error) {
    exitWithConfigError(databaseMessage(config, error));
  }
  const { db } = database;
  const newer = await newerSchemaReason(db).catch((error) =>
    exitWithConfigError(databaseMessage(config, error)),
  );
  if (newer) {
    await database.close();
    exitWithConfigError(`${config.databaseUrl === undefined ? "DB_PATH" : "DATABASE_URL"}: ${newer}`);
  }
  const metrics = createMetrics({ processMetrics: true });
  const lifecycle = createLifecycle();
  const rules = createRulePool({ config, log, observer: rulePoolObserver(metrics) });
  const giveUp = async (message: string): Promise<never> => {
    await rules.close();
    await database.close();
    exitWithConfigError(message);
  };
  const { deps, firstStart } = await bootstrap({
    config,
    db,
    log,
    rules,
    metrics,
    lifecycle,
    deferFirstStart: true,
  }).catch((error) =>
    isStorageError(error) ? giveUp(databaseMessage(config, error)) : Promise.reject(error),
  );
  const app = createApp(deps, runtime);
  let stopLogRetention = () => {};
  // Graceful shutdown: readiness turns 503 at once; the node keeps serving for
  // SHUTDOWN_GRACE_MS so load balancers see it and stop sending new work, then stops
  // listening, lets the requests in flight finish, stops the rule hosts and closes the
  // database. A second signal exits at once. Handled from before the app serves: a node that
  // answers ready must never end on a signal's default action.
  let stopping = false;
  runtime.onSignals(["SIGTERM", "SIGINT"], (signal: ShutdownSignal) => {
    if (stopping) {
      log.warn({ event: "shutdown_forced", signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    lifecycle.shuttingDown = true;
    log.info({ event: "shutting_down", signal, grace_ms: config.shutdownGraceMs }, "shutting down");
    setTimeout(async () => {
      lifecycle.drain();
      deps.imports.stop();
      // An email being sent is marked sent or failed first (its SMTP server has a minute at most).
      await deps.emails.stop();
      stopLogRetention();
      await server.drain();
      await rules.close();
      await database.close();
      log.info({ event: "stopped" }, "Rulegate stopped");
      process.exit(0);
    }, config.shutdownGraceMs);
  });

  handle = (request) => app.fetch(request);
  // Serving the app: only now is the first start stored (one transaction), so a start that failed
  // before it left the key and the demo for this one. Its slow parts were prepared before the
  // app served; storing it only awaits the database, so no request runs in between.
  const firstStartDone = firstStart
    ? await completeFirstStart(db, firstStart, deps.clock.now()).catch(async (error) => {
        await server.stop();
        return isStorageError(error) ? giveUp(databaseMessage(config, error)) : Promise.reject(error);
      })
    : false;
  log.info(
    { event: "listening", port: server.port, issuer: config.issuer, runtime: runtime.name },
    "Rulegate is up",
  );
  if (hugePagesOff()) {
    log.warn(
      { event: "huge_pages_off", setting: HUGE_PAGES_SETTING },
      "transparent huge pages are off: each password check costs about 1.7 times the CPU; set them to madvise",
    );
  }
  if (firstStart && !firstStartDone) {
    log.warn(
      { event: "first_start_skipped" },
      "another process did this database's first start; restart to use the key it stored",
    );
  }
  if (firstStartDone && firstStart?.adminKey) {
    // On the terminal (stderr), never among the JSON log lines on stdout that log shippers collect.
    process.stderr.write(
      `\nManagement API key (shown once, only its hash is stored):\n  ${firstStart.adminKey}\n` +
        "Set ADMIN_API_KEY or ADMIN_API_KEY_FILE to use your own key instead; " +
        "`rulegate admin-key rotate` makes a new one.\n\n",
    );
  }
  if (firstStartDone && firstStart?.demo) {
    const demo = firstStart.demo.setup;
    console.log(
      `New database: provisioned the sample API, client, user (${demo.username} / ${demo.password}) and rule.\n` +
        `Try the password exchange:\n\n${demoCurl(config.issuer, demo)}\n`,
    );
  }
  stopLogRetention = startLogRetention(deps);

  await deps.imports.resume();
  deps.emails.resume();
  // Warm the rule hosts in the background: the server answers meanwhile.
  for (const ruleId of HOOK_IDS) {
    const deployed = await findRule(db, ruleId);
    if (deployed?.enabled) rules.prepare(ruleScript(deployed.script, deployed.updatedAt, ruleId));
  }
  const pipeline = await findPipeline(db);
  if (pipeline) rules.prepare(pipelineScript(pipeline));
  for (const trigger of Object.keys(ACTION_TRIGGERS) as ActionTriggerId[]) {
    prepareFlow(rules, trigger, await findFlow(db, trigger));
  }
}

await main();
