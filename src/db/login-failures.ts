import { and, eq, gt, isNotNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "./database.ts";
import { ipFailures, loginFailures } from "./schema.ts";

/** A login name + IP pair's counter, as stored. */
export type LoginFailureRow = typeof loginFailures.$inferSelect;

/**
 * The pair's state now: a block younger than `windowMs` holds; an older block, or a
 * counter whose last failure is older than the window, is cleared on the way.
 */
export async function currentLoginFailures(
  db: Db,
  login: string,
  ip: string,
  now: Date,
  windowMs: number,
): Promise<LoginFailureRow | undefined> {
  const cutoff = new Date(now.getTime() - windowMs);
  const pair = and(eq(loginFailures.login, login), eq(loginFailures.ip, ip));
  await db
    .delete(loginFailures)
    .where(
      and(
        pair,
        or(
          lte(loginFailures.blockedAt, cutoff),
          and(sql`${loginFailures.blockedAt} is null`, lte(loginFailures.lastFailureAt, cutoff)),
        ),
      ),
    );
  return await db.select().from(loginFailures).where(pair).get();
}

/**
 * Counts one more failed password for the pair, in one statement; the failure that
 * reaches `maxAttempts` blocks the pair.
 * @returns the new count, and whether this failure started the block
 */
export async function addLoginFailure(
  db: Db,
  login: string,
  ip: string,
  now: Date,
  maxAttempts: number,
): Promise<{ failures: number; blockedNow: boolean }> {
  const firstBlock = maxAttempts <= 1 ? now : null;
  const row = await db
    .insert(loginFailures)
    .values({ login, ip, failures: 1, lastFailureAt: now, blockedAt: firstBlock })
    .onConflictDoUpdate({
      target: [loginFailures.login, loginFailures.ip],
      set: {
        failures: sql`${loginFailures.failures} + 1`,
        lastFailureAt: now,
        blockedAt: sql`coalesce(${loginFailures.blockedAt}, case when ${loginFailures.failures} + 1 >= ${maxAttempts} then ${now.getTime()} end)`,
      },
    })
    .returning()
    .get();
  return { failures: row?.failures ?? 1, blockedNow: row?.blockedAt?.getTime() === now.getTime() };
}

/** A successful password resets the pair's consecutive failures (a block stays). */
export async function clearLoginFailures(db: Db, login: string, ip: string): Promise<void> {
  await db
    .delete(loginFailures)
    .where(
      and(eq(loginFailures.login, login), eq(loginFailures.ip, ip), sql`${loginFailures.blockedAt} is null`),
    );
}

/** The pairs of a login name that are blocked now. */
export async function listLoginBlocks(
  db: Db,
  login: string,
  now: Date,
  windowMs: number,
): Promise<LoginFailureRow[]> {
  const cutoff = new Date(now.getTime() - windowMs);
  return await db
    .select()
    .from(loginFailures)
    .where(
      and(
        eq(loginFailures.login, login),
        isNotNull(loginFailures.blockedAt),
        gt(loginFailures.blockedAt, cutoff),
      ),
    )
    .all();
}

/** Unblocks a login name from every IP (admin unblock, password change). */
export async function clearLoginBlocks(db: Db, login: string): Promise<number> {
  const removed = await db.delete(loginFailures).where(eq(loginFailures.login, login)).returning().all();
  return removed.filter((row) => row.blockedAt !== null).length;
}

/**
 * Counts one more failure for an IP within a fixed 24-hour window, in one statement; the
 * failure that reaches `maxFailures` blocks the IP for `blockMs`.
 * @returns whether this failure started a block
 */
export async function addIpFailure(
  db: Db,
  ip: string,
  now: Date,
  maxFailures: number,
  blockMs: number,
): Promise<boolean> {
  const windowStart = now.getTime() - 86_400_000;
  const blockedUntil = now.getTime() + blockMs;
  const row = await db
    .insert(ipFailures)
    .values({
      ip,
      windowStartedAt: now,
      failures: 1,
      blockedUntil: maxFailures <= 1 ? new Date(blockedUntil) : null,
    })
    .onConflictDoUpdate({
      target: ipFailures.ip,
      // SQLite evaluates every SET expression against the row as it was.
      set: {
        windowStartedAt: sql`case when ${ipFailures.windowStartedAt} <= ${windowStart} then ${now.getTime()} else ${ipFailures.windowStartedAt} end`,
        failures: sql`case when ${ipFailures.windowStartedAt} <= ${windowStart} then 1 else ${ipFailures.failures} + 1 end`,
        blockedUntil: sql`case when (case when ${ipFailures.windowStartedAt} <= ${windowStart} then 1 else ${ipFailures.failures} + 1 end) >= ${maxFailures} and (${ipFailures.blockedUntil} is null or ${ipFailures.blockedUntil} <= ${now.getTime()}) then ${blockedUntil} else ${ipFailures.blockedUntil} end`,
      },
    })
    .returning()
    .get();
  return row?.blockedUntil?.getTime() === blockedUntil;
}

/** When the IP's block ends, if it is blocked now. */
export async function ipBlockedUntil(db: Db, ip: string, now: Date): Promise<Date | undefined> {
  const row = await db.select().from(ipFailures).where(eq(ipFailures.ip, ip)).get();
  return row?.blockedUntil && row.blockedUntil > now ? row.blockedUntil : undefined;
}
