import { and, eq, gt, isNotNull, lte, or, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import { timeValue } from "./dialect.ts";
import type { ipFailures, loginFailures } from "./schema.ts";

/** A login name + IP pair's counter, as stored. */
export type LoginFailureRow = typeof loginFailures.$inferSelect;

const loginFailureRow = preparedQuery<LoginFailureRow, { login: string; ip: string }>(
  "login_failure",
  ({ orm, tables: { loginFailures } }) =>
    orm
      .select()
      .from(loginFailures)
      .where(
        and(eq(loginFailures.login, sql.placeholder("login")), eq(loginFailures.ip, sql.placeholder("ip"))),
      )
      .limit(1),
);

/**
 * The pair's state now: a block younger than `windowMs` holds; an older block, or a
 * counter whose last failure is older than the window, is cleared on the way. One read
 * when there is nothing to clear (nearly always), so an exchange pays no write for it.
 */
export async function currentLoginFailures(
  db: Db,
  login: string,
  ip: string,
  now: Date,
  windowMs: number,
): Promise<LoginFailureRow | undefined> {
  const { loginFailures } = db.tables;
  const cutoff = new Date(now.getTime() - windowMs);
  const pair = and(eq(loginFailures.login, login), eq(loginFailures.ip, ip));
  const [row] = await loginFailureRow(db, { login, ip });
  const lapsed = row && (row.blockedAt ? row.blockedAt <= cutoff : row.lastFailureAt <= cutoff);
  if (!lapsed) return row;
  // The same test in the statement: a failure counted meanwhile by another request stays.
  await db.orm
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
  return await first(db.orm.select().from(loginFailures).where(pair).limit(1));
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
  const { loginFailures } = db.tables;
  const firstBlock = maxAttempts <= 1 ? now : null;
  const row = await first(
    db.orm
      .insert(loginFailures)
      .values({ login, ip, failures: 1, lastFailureAt: now, blockedAt: firstBlock })
      .onConflictDoUpdate({
        target: [loginFailures.login, loginFailures.ip],
        set: {
          failures: sql`${loginFailures.failures} + 1`,
          lastFailureAt: now,
          blockedAt: sql`coalesce(${loginFailures.blockedAt}, case when ${loginFailures.failures} + 1 >= ${maxAttempts} then ${timeValue(db, now)} end)`,
        },
      })
      .returning(),
  );
  return { failures: row?.failures ?? 1, blockedNow: row?.blockedAt?.getTime() === now.getTime() };
}

/** A successful password resets the pair's consecutive failures (a block stays). */
export async function clearLoginFailures(db: Db, login: string, ip: string): Promise<void> {
  const { loginFailures } = db.tables;
  await db.orm
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
  const { loginFailures } = db.tables;
  const cutoff = new Date(now.getTime() - windowMs);
  return await db.orm
    .select()
    .from(loginFailures)
    .where(
      and(
        eq(loginFailures.login, login),
        isNotNull(loginFailures.blockedAt),
        gt(loginFailures.blockedAt, cutoff),
      ),
    );
}

/** Unblocks a login name from every IP (admin unblock, password change). */
export async function clearLoginBlocks(db: Db, login: string): Promise<number> {
  const { loginFailures } = db.tables;
  const removed = await db.orm.delete(loginFailures).where(eq(loginFailures.login, login)).returning();
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
  const { ipFailures } = db.tables;
  const windowStart = new Date(now.getTime() - 86_400_000);
  const blockedUntil = new Date(now.getTime() + blockMs);
  const row = await first(
    db.orm
      .insert(ipFailures)
      .values({
        ip,
        windowStartedAt: now,
        failures: 1,
        blockedUntil: maxFailures <= 1 ? blockedUntil : null,
      })
      .onConflictDoUpdate({
        target: ipFailures.ip,
        // SQLite evaluates every SET expression against the row as it was.
        set: {
          windowStartedAt: sql`case when ${ipFailures.windowStartedAt} <= ${timeValue(db, windowStart)} then ${timeValue(db, now)} else ${ipFailures.windowStartedAt} end`,
          failures: sql`case when ${ipFailures.windowStartedAt} <= ${timeValue(db, windowStart)} then 1 else ${ipFailures.failures} + 1 end`,
          blockedUntil: sql`case when (case when ${ipFailures.windowStartedAt} <= ${timeValue(db, windowStart)} then 1 else ${ipFailures.failures} + 1 end) >= ${maxFailures} and (${ipFailures.blockedUntil} is null or ${ipFailures.blockedUntil} <= ${timeValue(db, now)}) then ${timeValue(db, blockedUntil)} else ${ipFailures.blockedUntil} end`,
        },
      })
      .returning(),
  );
  return row?.blockedUntil?.getTime() === blockedUntil.getTime();
}

/** When the IP's block ends, if it is blocked now. */
const ipFailureRow = preparedQuery<typeof ipFailures.$inferSelect, { ip: string }>(
  "ip_failure",
  ({ orm, tables }) =>
    orm
      .select()
      .from(tables.ipFailures)
      .where(eq(tables.ipFailures.ip, sql.placeholder("ip")))
      .limit(1),
);

export async function ipBlockedUntil(db: Db, ip: string, now: Date): Promise<Date | undefined> {
  const [row] = await ipFailureRow(db, { ip });
  return row?.blockedUntil && row.blockedUntil > now ? row.blockedUntil : undefined;
}
