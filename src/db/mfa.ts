import { and, asc, eq, gt, isNull, lt, lte, or, sql } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import { timeValue } from "./dialect.ts";
import type { AuthenticatorType, MfaAuthenticatorRow, MfaTokenRow } from "./schema.ts";

/** Stores a new `mfa_token` (by its digest). */
export async function insertMfaToken(db: Db, row: MfaTokenRow): Promise<void> {
  await db.orm.insert(db.tables.mfaTokens).values(row);
}

/** The `mfa_token` with this digest, spent or expired ones too (the caller says which is which). */
export async function findMfaToken(db: Db, tokenHash: string): Promise<MfaTokenRow | undefined> {
  const { mfaTokens } = db.tables;
  return await first(db.orm.select().from(mfaTokens).where(eq(mfaTokens.tokenHash, tokenHash)).limit(1));
}

/**
 * Counts one factor tried with an `mfa_token`, in one statement, while it is unspent,
 * unexpired and below `maxAttempts`: parallel tries never get past the limit.
 * @returns whether the try may go ahead
 */
export async function reserveMfaTokenAttempt(
  db: Db,
  tokenHash: string,
  now: Date,
  maxAttempts: number,
): Promise<boolean> {
  const { mfaTokens } = db.tables;
  const rows = await db.orm
    .update(mfaTokens)
    .set({ attempts: sql`${mfaTokens.attempts} + 1` })
    .where(
      and(
        eq(mfaTokens.tokenHash, tokenHash),
        isNull(mfaTokens.spentAt),
        gt(mfaTokens.expiresAt, now),
        lt(mfaTokens.attempts, maxAttempts),
      ),
    )
    .returning({ attempts: mfaTokens.attempts });
  return rows.length > 0;
}

/**
 * Spends an `mfa_token` (compare-and-swap on `spent_at`): of parallel successes, one wins.
 * @returns whether this call spent it
 */
export async function spendMfaToken(db: Db, tokenHash: string, now: Date): Promise<boolean> {
  const { mfaTokens } = db.tables;
  const rows = await db.orm
    .update(mfaTokens)
    .set({ spentAt: now })
    .where(and(eq(mfaTokens.tokenHash, tokenHash), isNull(mfaTokens.spentAt), gt(mfaTokens.expiresAt, now)))
    .returning({ tokenHash: mfaTokens.tokenHash });
  return rows.length > 0;
}

/** Removes the `mfa_token`s that expired before `before` (they can no longer be used). */
export async function deleteExpiredMfaTokens(db: Db, before: Date): Promise<number> {
  const { mfaTokens } = db.tables;
  const rows = await db.orm
    .delete(mfaTokens)
    .where(lte(mfaTokens.expiresAt, before))
    .returning({ tokenHash: mfaTokens.tokenHash });
  return rows.length;
}

/**
 * Counts one factor tried by the user, in one statement: granted while the tries in the
 * current window stay below `maxAttempts`; a window older than `windowMs` starts over, and
 * the try that reaches the limit starts it again, so the block lasts a whole window.
 * @returns whether the try may go ahead
 */
export async function reserveUserMfaAttempt(
  db: Db,
  userId: string,
  now: Date,
  windowMs: number,
  maxAttempts: number,
): Promise<boolean> {
  const { mfaAttempts } = db.tables;
  const lapsed = sql`${mfaAttempts.windowStartedAt} <= ${timeValue(db, new Date(now.getTime() - windowMs))}`;
  const rows = await db.orm
    .insert(mfaAttempts)
    .values({ userId, attempts: 1, windowStartedAt: now })
    .onConflictDoUpdate({
      target: mfaAttempts.userId,
      set: {
        attempts: sql`case when ${lapsed} then 1 else ${mfaAttempts.attempts} + 1 end`,
        windowStartedAt: sql`case when ${lapsed} or ${mfaAttempts.attempts} + 1 >= ${maxAttempts} then ${timeValue(db, now)} else ${mfaAttempts.windowStartedAt} end`,
      },
      setWhere: sql`${lapsed} or ${mfaAttempts.attempts} < ${maxAttempts}`,
    })
    .returning({ attempts: mfaAttempts.attempts });
  return rows.length > 0;
}

/** A factor that passed clears the user's count of tries. */
export async function clearUserMfaAttempts(db: Db, userId: string): Promise<void> {
  const { mfaAttempts } = db.tables;
  await db.orm.delete(mfaAttempts).where(eq(mfaAttempts.userId, userId));
}

/** The user's factors, TOTP first. */
export async function listAuthenticators(db: Db, userId: string): Promise<MfaAuthenticatorRow[]> {
  const { mfaAuthenticators } = db.tables;
  return await db.orm
    .select()
    .from(mfaAuthenticators)
    .where(eq(mfaAuthenticators.userId, userId))
    .orderBy(asc(mfaAuthenticators.type));
}

/** The user's factor of this type. */
export async function findAuthenticator(
  db: Db,
  userId: string,
  type: AuthenticatorType,
): Promise<MfaAuthenticatorRow | undefined> {
  const { mfaAuthenticators } = db.tables;
  return await first(
    db.orm
      .select()
      .from(mfaAuthenticators)
      .where(and(eq(mfaAuthenticators.userId, userId), eq(mfaAuthenticators.type, type)))
      .limit(1),
  );
}

/** A factor by its id (`totp|dev_…`). */
export async function findAuthenticatorById(db: Db, id: string): Promise<MfaAuthenticatorRow | undefined> {
  const { mfaAuthenticators } = db.tables;
  return await first(db.orm.select().from(mfaAuthenticators).where(eq(mfaAuthenticators.id, id)).limit(1));
}

/**
 * Stores a new, unconfirmed factor in place of the user's unconfirmed one of its type, if
 * any (an enrollment started again); a confirmed one stays.
 * @returns whether it was stored (false: the user has a confirmed factor of this type)
 */
export async function startEnrollment(db: Db, row: MfaAuthenticatorRow): Promise<boolean> {
  const { mfaAuthenticators } = db.tables;
  const rows = await db.orm
    .insert(mfaAuthenticators)
    .values(row)
    .onConflictDoUpdate({
      target: [mfaAuthenticators.userId, mfaAuthenticators.type],
      set: {
        id: row.id,
        secret: row.secret,
        codeHash: row.codeHash,
        lastCounter: null,
        createdAt: row.createdAt,
      },
      setWhere: eq(mfaAuthenticators.confirmed, false),
    })
    .returning({ id: mfaAuthenticators.id });
  return rows.length > 0;
}

/**
 * Accepts a TOTP code's time step for the factor (compare-and-swap on `last_counter`): only
 * a step later than the last accepted one, so a code is never accepted twice, even by
 * parallel requests. The first accepted code confirms the factor.
 * @returns the factor as it was before, or undefined when the step was not later (a replay)
 */
export async function acceptTotpStep(
  db: Db,
  id: string,
  step: number,
  now: Date,
): Promise<{ wasConfirmed: boolean } | undefined> {
  const { mfaAuthenticators } = db.tables;
  const row = await first(
    db.orm
      .update(mfaAuthenticators)
      .set({
        lastCounter: step,
        confirmed: true,
        confirmedAt: sql`coalesce(${mfaAuthenticators.confirmedAt}, ${timeValue(db, now)})`,
        lastAuthAt: now,
      })
      .where(
        and(
          eq(mfaAuthenticators.id, id),
          or(isNull(mfaAuthenticators.lastCounter), lt(mfaAuthenticators.lastCounter, step)),
        ),
      )
      .returning({ confirmedAt: mfaAuthenticators.confirmedAt }),
  );
  if (!row) return undefined;
  return { wasConfirmed: row.confirmedAt !== null && row.confirmedAt.getTime() !== now.getTime() };
}

/** Confirms the user's recovery code with their first TOTP (their enrollment is complete). */
export async function confirmRecoveryCode(db: Db, userId: string, now: Date): Promise<void> {
  const { mfaAuthenticators } = db.tables;
  await db.orm
    .update(mfaAuthenticators)
    .set({ confirmed: true, confirmedAt: now })
    .where(
      and(
        eq(mfaAuthenticators.userId, userId),
        eq(mfaAuthenticators.type, "recovery-code"),
        eq(mfaAuthenticators.confirmed, false),
      ),
    );
}

/**
 * Replaces a confirmed recovery code whose digest is `usedHash` by `nextHash`
 * (compare-and-swap: a code is spent once, even by parallel requests).
 * @returns whether the code was this user's live one
 */
export async function replaceRecoveryCode(
  db: Db,
  userId: string,
  usedHash: string,
  nextHash: string,
  now: Date,
): Promise<boolean> {
  const { mfaAuthenticators } = db.tables;
  const rows = await db.orm
    .update(mfaAuthenticators)
    .set({ codeHash: nextHash, lastAuthAt: now })
    .where(
      and(
        eq(mfaAuthenticators.userId, userId),
        eq(mfaAuthenticators.type, "recovery-code"),
        eq(mfaAuthenticators.confirmed, true),
        eq(mfaAuthenticators.codeHash, usedHash),
      ),
    )
    .returning({ id: mfaAuthenticators.id });
  return rows.length > 0;
}

/**
 * Sets the user's recovery code (the Management API's regeneration): a confirmed one, in
 * place of any other.
 */
export async function setRecoveryCode(db: Db, row: MfaAuthenticatorRow): Promise<void> {
  const { mfaAuthenticators } = db.tables;
  await db.orm
    .insert(mfaAuthenticators)
    .values(row)
    .onConflictDoUpdate({
      target: [mfaAuthenticators.userId, mfaAuthenticators.type],
      set: { codeHash: row.codeHash, confirmed: true, confirmedAt: row.confirmedAt },
    });
}

/**
 * Removes one factor (Auth0's enrollment reset); removing a TOTP factor also removes the
 * recovery code that came with it, so the user enrolls anew.
 * @returns the factor removed, or undefined when there was none
 */
export async function deleteAuthenticator(db: Db, id: string): Promise<MfaAuthenticatorRow | undefined> {
  const { mfaAuthenticators } = db.tables;
  const removed = await first(
    db.orm.delete(mfaAuthenticators).where(eq(mfaAuthenticators.id, id)).returning(),
  );
  if (removed?.type === "otp") {
    await db.orm
      .delete(mfaAuthenticators)
      .where(and(eq(mfaAuthenticators.userId, removed.userId), eq(mfaAuthenticators.type, "recovery-code")));
  }
  return removed;
}
