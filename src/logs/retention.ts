import { onOneNodeAtATime } from "../db/dialect.ts";
import { pruneLogs } from "../db/logs.ts";
import { deleteExpiredMfaTokens } from "../db/mfa.ts";
import { ADVISORY_LOCK } from "../db/postgres.ts";
import type { Deps } from "../deps.ts";

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Deletes events older than `LOG_RETENTION_DAYS`; returns how many went. With several nodes
 * on PostgreSQL one prunes at a time: the others find the lock taken and skip the round.
 */
export async function pruneExpiredLogs(deps: Pick<Deps, "db" | "clock" | "config" | "log">): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - deps.config.logRetentionDays * DAY_MS);
  const pruned =
    (await onOneNodeAtATime(deps.db, ADVISORY_LOCK.pruneLogs, (db) => pruneLogs(db, before))) ?? 0;
  if (pruned > 0) deps.log.info({ event: "logs_pruned", pruned, before: before.toISOString() });
  return pruned;
}

/**
 * Deletes the `mfa_token`s that expired more than a day ago (until then a late one is still
 * answered "mfa_token is expired"); returns how many went.
 */
export async function pruneExpiredMfaTokens(deps: Pick<Deps, "db" | "clock" | "log">): Promise<number> {
  const pruned = await deleteExpiredMfaTokens(deps.db, new Date(deps.clock.now().getTime() - DAY_MS));
  if (pruned > 0) deps.log.info({ event: "mfa_tokens_pruned", pruned });
  return pruned;
}

/** Prunes now and then every hour in the background; returns the stop function. */
export function startLogRetention(deps: Pick<Deps, "db" | "clock" | "config" | "log">): () => void {
  const run = () =>
    Promise.all([
      pruneExpiredLogs(deps).catch((error) => deps.log.error({ event: "logs_prune_failed", err: error })),
      pruneExpiredMfaTokens(deps).catch((error) =>
        deps.log.error({ event: "mfa_tokens_prune_failed", err: error }),
      ),
    ]);
  void run();
  const timer = setInterval(run, PRUNE_EVERY_MS);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
