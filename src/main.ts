import { availableParallelism } from "node:os";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { findRule } from "./db/rule.ts";
import { createLogger } from "./logs/logger.ts";
import { startLogRetention } from "./logs/retention.ts";
import { demoCurl, provisionDemo } from "./provision-demo.ts";
import { createRulePool } from "./rules/pool.ts";
import { ruleScript } from "./rules/rule-version.ts";
import { detectRuntime, MIGRATIONS_FOLDER } from "./runtime/runtime.ts";

/** Start-up: config → database → deps → app → listen. The only file that starts anything. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, availableParallelism());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`rulegate: configuration error: ${error.message}`);
    process.exit(1);
  }
  const runtime = await detectRuntime();
  const log = createLogger(config.logLevel);
  const { db } = await runtime.openDatabase(config.dbPath, MIGRATIONS_FOLDER);
  const rules = createRulePool({ config, log });
  const { deps, newDatabase, generatedAdminKey } = await bootstrap({ config, db, log, rules });
  startLogRetention(deps);
  await deps.imports.resume();
  const app = createApp(deps);
  const server = runtime.serve({
    port: config.port,
    hostname: config.host,
    fetch: (request) => app.fetch(request),
  });
  log.info(
    { event: "listening", port: server.port, issuer: config.issuer, runtime: runtime.name },
    "Rulegate is up",
  );

  if (generatedAdminKey) {
    console.log(
      `\nManagement API key (shown once, only its hash is stored):\n  ${generatedAdminKey}\n` +
        "Set ADMIN_API_KEY to use your own key instead.\n",
    );
  }
  if (newDatabase && !config.production) {
    const demo = await provisionDemo(deps);
    console.log(
      `New database: provisioned the sample API, client, user (${demo.username} / ${demo.password}) and rule.\n` +
        `Try the password exchange:\n\n${demoCurl(config.issuer, demo)}\n`,
    );
  }
  // Warm the rule hosts in the background: the server answers meanwhile.
  const deployed = await findRule(db);
  if (deployed?.enabled) rules.prepare(ruleScript(deployed.script, deployed.updatedAt));
}

await main();
