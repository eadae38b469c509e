import { and, type Column, eq, gt, isNotNull, or, type SQL, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import { timeParam, timePlaceholder, timeValue } from "./dialect.ts";
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

/** The pair's counter as stored (a block older than the window no longer holds: see {@link reservePairAttempt}). */
export async function findLoginFailures(
  db: Db,
  login: string,
  ip: string,
): Promise<LoginFailureRow | undefined> {
  return (await loginFailureRow(db, { login, ip }))[0];
}

/** A release: one less check in progress, never below zero (an admin may have cleared the row meanwhile). */
const oneLessPending = (pending: Column) =>
  sql<number>`case when ${pending} > 0 then ${pending} - 1 else 0 end`;

/**
 * How long the checks in progress of a pair or an IP may hold their reservations, counted
 * from the first of them: far longer than a password check takes, so a burst still gets no
 * more checks than the limit, but short, so that reservations a check could not give back (a
 * node killed mid-hash, a database lost while releasing) cost the pair a few of its attempts
 * for seconds, not for the whole window.
 */
export const RESERVATION_TTL_MS = 30_000;

/** Reservations made before this time have lapsed ({@link RESERVATION_TTL_MS}). */
const reservedCutoff = (now: Date) => new Date(now.getTime() - RESERVATION_TTL_MS);

/**
 * The checks in progress of a counter row as they count now: none once the oldest
 * reservation has outlived {@link RESERVATION_TTL_MS} (before `cutoff`); `lapsed` tells the
 * reservation that starts the count anew.
 */
function livePending(row: { pending: Column; reservedAt: Column }, cutoff: SQL) {
  const lapsed = sql`(${row.pending} = 0 or ${row.reservedAt} is null or ${row.reservedAt} <= ${cutoff})`;
  return { lapsed, count: sql`case when ${lapsed} then 0 else ${row.pending} end` };
}

/**
 * A granted reservation: `crowded` when other checks of the same pair (or IP) were in progress
 * as it was made, so that its release is likely to leave the counter in use (see
 * {@link releasePairAttempt}).
 */
export interface Reservation {
  crowded: boolean;
}

const pairReservation = preparedQuery<
  { pending: number },
  {
    login: string;
    ip: string;
    now: string | number;
    cutoff: string | number;
    reservedCutoff: string | number;
    maxAttempts: number;
  }
>("reserve_login_attempt", (db) => {
  const { loginFailures: pair } = db.tables;
  const now = timePlaceholder(db, "now");
  // Auth0's block lasts the window; a counter with no failure within the window starts over.
  const lapsed = sql`coalesce(${pair.blockedAt}, ${pair.lastFailureAt}) <= ${timePlaceholder(db, "cutoff")}`;
  const pending = livePending(pair, timePlaceholder(db, "reservedCutoff"));
  const restart = sql`(${lapsed} or ${pending.lapsed})`;
  return db.orm
    .insert(pair)
    .values({
      login: sql.placeholder("login"),
      ip: sql.placeholder("ip"),
      failures: 0,
      pending: 1,
      reservedAt: now,
      lastFailureAt: now,
      blockedAt: null,
    })
    .onConflictDoUpdate({
      target: [pair.login, pair.ip],
      // SQLite and PostgreSQL evaluate every SET expression against the row as it was.
      set: {
        failures: sql`case when ${lapsed} then 0 else ${pair.failures} end`,
        pending: sql`case when ${restart} then 1 else ${pair.pending} + 1 end`,
        reservedAt: sql`case when ${restart} then ${now} else ${pair.reservedAt} end`,
        lastFailureAt: sql`case when ${lapsed} then ${now} else ${pair.lastFailureAt} end`,
        blockedAt: sql`case when ${lapsed} then null else ${pair.blockedAt} end`,
      },
      // Checks in progress count like failures, so concurrent requests see each other's. A
      // pair already past a limit lowered since gets one check at a time: its failure blocks.
      setWhere: sql`${lapsed} or (${pair.blockedAt} is null and (${pending.count} = 0 or ${pair.failures} + ${pending.count} < ${sql.placeholder("maxAttempts")}))`,
    })
    .returning({ pending: pair.pending });
});

/**
 * Reserves one password check for the pair, in one statement, before the hash: granted while
 * the pair is not blocked and its consecutive failures plus the checks in progress stay below
 * `maxAttempts`; a block older than `windowMs`, or a counter whose last failure is, starts over.
 * Settle the reservation with {@link addLoginFailure} or {@link releasePairAttempt}.
 * @returns the reservation, or undefined when the check is not granted
 */
export async function reservePairAttempt(
  db: Db,
  attempt: { login: string; ip: string; now: Date; windowMs: number; maxAttempts: number },
): Promise<Reservation | undefined> {
  const { login, ip, now, windowMs, maxAttempts } = attempt;
  const cutoff = new Date(now.getTime() - windowMs);
  const granted = await pairReservation(db, {
    login,
    ip,
    now: timeParam(db, now),
    cutoff: timeParam(db, cutoff),
    reservedCutoff: timeParam(db, reservedCutoff(now)),
    maxAttempts,
  });
  return granted[0] && { crowded: granted[0].pending > 1 };
}

/**
 * Settles a reserved check that was a guess, in one statement: one more consecutive failure
 * for the pair; the failure that reaches `maxAttempts` blocks the pair.
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
      .values({ login, ip, failures: 1, pending: 0, lastFailureAt: now, blockedAt: firstBlock })
      .onConflictDoUpdate({
        target: [loginFailures.login, loginFailures.ip],
        set: {
          failures: sql`${loginFailures.failures} + 1`,
          pending: oneLessPending(loginFailures.pending),
          lastFailureAt: now,
          blockedAt: sql`coalesce(${loginFailures.blockedAt}, case when ${loginFailures.failures} + 1 >= ${maxAttempts} then ${timeValue(db, now)} end)`,
        },
      })
      .returning(),
  );
  return { failures: row?.failures ?? 1, blockedNow: row?.blockedAt?.getTime() === now.getTime() };
}

const emptyPairRemoval = preparedQuery<
  { login: string },
  { login: string; ip: string; reset: 0 | 1; upTo: 0 | 1 }
>("release_login_attempt", ({ orm, tables: { loginFailures: pair } }) =>
  orm
    .delete(pair)
    .where(
      and(
        eq(pair.login, sql.placeholder("login")),
        eq(pair.ip, sql.placeholder("ip")),
        sql`${pair.blockedAt} is null`,
        sql`${pair.pending} <= ${sql.placeholder("upTo")}`,
        or(sql`${sql.placeholder("reset")} = 1`, sql`${pair.failures} = 0`),
      ),
    )
    .returning({ login: pair.login }),
);

/**
 * Gives back a reserved check that was not a guess. A success (`reset`) also resets the pair's
 * consecutive failures (a block stays); a refusal that is not a guess (a blocked user, an
 * error) leaves them as they are. A counter left with nothing to count goes: when no other
 * check was in progress at the reservation, nearly always in one statement that removes it
 * (else a second one updates it); when others were (`crowded`), the counter nearly always
 * stays in use, so one statement updates it (and a second removes it if it is left empty).
 */
export async function releasePairAttempt(
  db: Db,
  login: string,
  ip: string,
  reset: boolean,
  reservation: Reservation = { crowded: false },
): Promise<void> {
  const values = { login, ip, reset: reset ? 1 : 0 } as const;
  await giveBackTo(reservation, {
    // Once updated, only a counter with no failure goes: one added meanwhile stays.
    remove: (upTo) => emptyPairRemoval(db, { ...values, reset: upTo === 1 ? values.reset : 0, upTo }),
    async update() {
      const [left] = await pairRelease(db, values);
      return left?.pending === 0 && left.failures === 0 && left.blockedAt === null;
    },
  });
}

/**
 * Gives a reservation back to a counter: when it was not `crowded`, `remove` first (it takes
 * the counter away if nothing but this check is left in it, `upTo` 1), then `update` if the
 * counter stays; when it was, `update` first (one check less; true when the counter is left
 * empty), then `remove` with nothing left in it (`upTo` 0).
 */
async function giveBackTo(
  reservation: Reservation,
  counter: { remove(upTo: 0 | 1): Promise<unknown[]>; update(): Promise<boolean> },
): Promise<void> {
  if (!reservation.crowded) {
    if ((await counter.remove(1)).length === 0) await counter.update();
  } else if (await counter.update()) {
    await counter.remove(0);
  }
}

const pairRelease = preparedQuery<
  Pick<LoginFailureRow, "pending" | "failures" | "blockedAt">,
  { login: string; ip: string; reset: 0 | 1 }
>("release_login_attempt_kept", ({ orm, tables: { loginFailures: pair } }) =>
  orm
    .update(pair)
    .set({
      pending: oneLessPending(pair.pending),
      failures: sql`case when ${sql.placeholder("reset")} = 1 and ${pair.blockedAt} is null then 0 else ${pair.failures} end`,
    })
    .where(and(eq(pair.login, sql.placeholder("login")), eq(pair.ip, sql.placeholder("ip"))))
    .returning({ pending: pair.pending, failures: pair.failures, blockedAt: pair.blockedAt }),
);

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

/** The start of the IP's current 24-hour window (Auth0's suspicious IP throttling counts failures per day). */
const ipWindowStart = (now: Date) => new Date(now.getTime() - 86_400_000);

const ipReservation = preparedQuery<
  { pending: number },
  {
    ip: string;
    now: string | number;
    windowStart: string | number;
    reservedCutoff: string | number;
    maxFailures: number;
  }
>("reserve_ip_attempt", (db) => {
  const { ipFailures: address } = db.tables;
  const now = timePlaceholder(db, "now");
  const stale = sql`${address.windowStartedAt} <= ${timePlaceholder(db, "windowStart")}`;
  const pending = livePending(address, timePlaceholder(db, "reservedCutoff"));
  const restart = sql`(${stale} or ${pending.lapsed})`;
  return db.orm
    .insert(address)
    .values({
      ip: sql.placeholder("ip"),
      windowStartedAt: now,
      failures: 0,
      pending: 1,
      reservedAt: now,
      blockedUntil: null,
    })
    .onConflictDoUpdate({
      target: address.ip,
      set: {
        windowStartedAt: sql`case when ${stale} then ${now} else ${address.windowStartedAt} end`,
        failures: sql`case when ${stale} then 0 else ${address.failures} end`,
        pending: sql`case when ${restart} then 1 else ${address.pending} + 1 end`,
        reservedAt: sql`case when ${restart} then ${now} else ${address.reservedAt} end`,
      },
      // Once a block has ended within the window, one check at a time: its failure blocks
      // again (addIpFailure), as without reservations.
      setWhere: sql`(${address.blockedUntil} is null or ${address.blockedUntil} <= ${now}) and (${stale} or ${pending.count} = 0 or ${address.failures} + ${pending.count} < ${sql.placeholder("maxFailures")})`,
    })
    .returning({ pending: address.pending });
});

/**
 * Reserves one password check for an IP, in one statement, before the hash: granted while the
 * IP is not blocked and its failures in the window plus the checks in progress stay below
 * `maxFailures`. Settle it with {@link addIpFailure} or {@link releaseIpAttempt}.
 * @returns the reservation, or undefined when the check is not granted
 */
export async function reserveIpAttempt(
  db: Db,
  ip: string,
  now: Date,
  maxFailures: number,
): Promise<Reservation | undefined> {
  const granted = await ipReservation(db, {
    ip,
    now: timeParam(db, now),
    windowStart: timeParam(db, ipWindowStart(now)),
    reservedCutoff: timeParam(db, reservedCutoff(now)),
    maxFailures,
  });
  return granted[0] && { crowded: granted[0].pending > 1 };
}

/**
 * Settles a reserved check that was a guess, in one statement: one more failure for the IP
 * within a fixed 24-hour window; the failure that reaches `maxFailures` blocks the IP for
 * `blockMs`.
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
  const windowStart = ipWindowStart(now);
  const blockedUntil = new Date(now.getTime() + blockMs);
  const row = await first(
    db.orm
      .insert(ipFailures)
      .values({
        ip,
        windowStartedAt: now,
        failures: 1,
        pending: 0,
        blockedUntil: maxFailures <= 1 ? blockedUntil : null,
      })
      .onConflictDoUpdate({
        target: ipFailures.ip,
        // SQLite evaluates every SET expression against the row as it was.
        set: {
          windowStartedAt: sql`case when ${ipFailures.windowStartedAt} <= ${timeValue(db, windowStart)} then ${timeValue(db, now)} else ${ipFailures.windowStartedAt} end`,
          failures: sql`case when ${ipFailures.windowStartedAt} <= ${timeValue(db, windowStart)} then 1 else ${ipFailures.failures} + 1 end`,
          pending: oneLessPending(ipFailures.pending),
          blockedUntil: sql`case when (case when ${ipFailures.windowStartedAt} <= ${timeValue(db, windowStart)} then 1 else ${ipFailures.failures} + 1 end) >= ${maxFailures} and (${ipFailures.blockedUntil} is null or ${ipFailures.blockedUntil} <= ${timeValue(db, now)}) then ${timeValue(db, blockedUntil)} else ${ipFailures.blockedUntil} end`,
        },
      })
      .returning(),
  );
  return row?.blockedUntil?.getTime() === blockedUntil.getTime();
}

const emptyIpRemoval = preparedQuery<{ ip: string }, { ip: string; upTo: 0 | 1 }>(
  "release_ip_attempt",
  ({ orm, tables: { ipFailures: address } }) =>
    orm
      .delete(address)
      .where(
        and(
          eq(address.ip, sql.placeholder("ip")),
          sql`${address.failures} = 0`,
          sql`${address.pending} <= ${sql.placeholder("upTo")}`,
          sql`${address.blockedUntil} is null`,
        ),
      )
      .returning({ ip: address.ip }),
);

/**
 * Gives back a reserved check that was not a guess (a success, a blocked user, an error). An
 * IP with no failures, nearly every one, has its counter removed in one statement; one with
 * other checks in progress at the reservation (`crowded`) is updated in one.
 */
export async function releaseIpAttempt(
  db: Db,
  ip: string,
  reservation: Reservation = { crowded: false },
): Promise<void> {
  await giveBackTo(reservation, {
    remove: (upTo) => emptyIpRemoval(db, { ip, upTo }),
    async update() {
      const [left] = await ipRelease(db, { ip });
      return left?.pending === 0 && left.failures === 0 && left.blockedUntil === null;
    },
  });
}

const ipRelease = preparedQuery<
  Pick<typeof ipFailures.$inferSelect, "pending" | "failures" | "blockedUntil">,
  { ip: string }
>("release_ip_attempt_kept", ({ orm, tables: { ipFailures: address } }) =>
  orm
    .update(address)
    .set({ pending: oneLessPending(address.pending) })
    .where(eq(address.ip, sql.placeholder("ip")))
    .returning({ pending: address.pending, failures: address.failures, blockedUntil: address.blockedUntil }),
);

const ipFailureRow = preparedQuery<typeof ipFailures.$inferSelect, { ip: string }>(
  "ip_failure",
  ({ orm, tables }) =>
    orm
      .select()
      .from(tables.ipFailures)
      .where(eq(tables.ipFailures.ip, sql.placeholder("ip")))
      .limit(1),
);

/** When the IP's block ends, if it is blocked now. */
export async function ipBlockedUntil(db: Db, ip: string, now: Date): Promise<Date | undefined> {
  const [row] = await ipFailureRow(db, { ip });
  return row?.blockedUntil && row.blockedUntil > now ? row.blockedUntil : undefined;
}
