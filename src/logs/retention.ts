import { onOneNodeAtATime } from "../db/dialect.ts";
import { pruneEmails } from "../db/email-outbox.ts";
import { pruneLogs } from "../db/logs.ts";
import { deleteExpiredMfaTokens } from "../db/mfa.ts";
import { ADVISORY_LOCK } from "../db/postgres.ts";
import { pruneRateLimits } from "../db/rate-limits.ts";
import { pruneTickets } from "../db/tickets.ts";
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

/**
 * Deletes what the account flows leave behind: tickets spent or expired over a day ago, request
 * counters whose window ended over a day ago (the longest window is an hour), and emails sent
 * or given up before the log retention (their bodies are gone already; the rows say who was
 * sent what, and when).
 */
export async function pruneAccountRecords(deps: Pick<Deps, "db" | "clock" | "config">): Promise<void> {
  const now = deps.clock.now().getTime();
  await pruneTickets(deps.db, new Date(now - DAY_MS));
  await pruneRateLimits(deps.db, new Date(now - DAY_MS));
  await pruneEmails(deps.db, new Date(now - deps.config.logRetentionDays * DAY_MS));
}

/** Prunes now and then every hour in the background; returns the stop function. */
export function startLogRetention(deps: Pick<Deps, "db" | "clock" | "config" | "log">): () => void {
  const run = () =>
    Promise.all([
      pruneExpiredLogs(deps).catch((error) => deps.log.error({ event: "logs_prune_failed", err: error })),
      pruneExpiredMfaTokens(deps).catch((error) =>
        deps.log.error({ event: "mfa_tokens_prune_failed", err: error }),
      ),
      pruneAccountRecords(deps).catch((error) =>
        deps.log.error({ event: "account_records_prune_failed", err: error }),
      ),
    ]);
  void run();
  const timer = setInterval(run, PRUNE_EVERY_MS);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
