import { migrationsApplied } from "../db/migrations-applied.ts";
import type { Deps } from "../deps.ts";

/** How long the database may take to answer the readiness query before it counts as unavailable. */
const DATABASE_TIMEOUT_MS = 1000;
/** How long a database check's answer is reused, so probes under load cost one query a second at most. */
const DATABASE_CHECK_TTL_MS = 1000;

/** Each check's result: `ok`, or a word saying what is wrong. */
export interface Readiness {
  ready: boolean;
  checks: {
    database: "ok" | "unavailable";
    migrations: "ok" | "pending" | "unknown";
    rules: "ok" | "warming";
    shutdown: "ok" | "shutting_down";
  };
}

type DatabaseCheck = Pick<Readiness["checks"], "database" | "migrations">;

/** Resolves to `fallback` when `work` has not settled within `ms`. */
function within<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * The readiness checks of a node (`GET /health/ready`): the database answers a cheap query
 * within {@link DATABASE_TIMEOUT_MS}, every migration is applied, the deployed rules can be
 * served (a version of each has loaded since start: a deploy's warm-up, on every node at
 * once, must not take them all out of the load balancer), and the node is not shutting down. Concurrent probes share one database query,
 * and its answer is reused for {@link DATABASE_CHECK_TTL_MS}; shutting down shows at once.
 */
export function createReadinessCheck(deps: Pick<Deps, "db" | "rules" | "lifecycle">) {
  let cached: { at: number; result: Promise<DatabaseCheck> } | undefined;
  const unavailable: DatabaseCheck = { database: "unavailable", migrations: "unknown" };

  const checkDatabase = (): Promise<DatabaseCheck> =>
    within(
      migrationsApplied(deps.db).then(
        (applied): DatabaseCheck => ({ database: "ok", migrations: applied ? "ok" : "pending" }),
        () => unavailable,
      ),
      DATABASE_TIMEOUT_MS,
      unavailable,
    );

  return async function readiness(): Promise<Readiness> {
    const now = performance.now();
    if (!cached || now - cached.at > DATABASE_CHECK_TTL_MS) cached = { at: now, result: checkDatabase() };
    const database = await cached.result;
    const checks: Readiness["checks"] = {
      ...database,
      rules: deps.rules.warm() ? "ok" : "warming",
      shutdown: deps.lifecycle.shuttingDown ? "shutting_down" : "ok",
    };
    return { ready: Object.values(checks).every((check) => check === "ok"), checks };
  };
}
