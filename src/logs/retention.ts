import { pruneLogs } from "../db/logs.ts";
import type { Deps } from "../deps.ts";

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** Deletes events older than `LOG_RETENTION_DAYS`; returns how many went. */
export async function pruneExpiredLogs(deps: Pick<Deps, "db" | "clock" | "config" | "log">): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - deps.config.logRetentionDays * DAY_MS);
  const pruned = await pruneLogs(deps.db, before);
  if (pruned > 0) deps.log.info({ event: "logs_pruned", pruned, before: before.toISOString() });
  return pruned;
}

/** Prunes now and then every hour in the background; returns the stop function. */
export function startLogRetention(deps: Pick<Deps, "db" | "clock" | "config" | "log">): () => void {
  const run = () =>
    pruneExpiredLogs(deps).catch((error) => deps.log.error({ event: "logs_prune_failed", err: error }));
  void run();
  const timer = setInterval(run, PRUNE_EVERY_MS);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
