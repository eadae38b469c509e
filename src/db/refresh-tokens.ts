import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { RefreshTokenFamilyRow } from "./schema.ts";

export async function insertFamily(db: Db, row: RefreshTokenFamilyRow): Promise<RefreshTokenFamilyRow> {
  const { refreshTokenFamilies } = db.tables;
  await db.orm.insert(refreshTokenFamilies).values(row);
  return row;
}

/** The family whose live token has this digest. */
export async function findFamilyByLiveHash(
  db: Db,
  tokenHash: string,
): Promise<RefreshTokenFamilyRow | undefined> {
  const { refreshTokenFamilies } = db.tables;
  return await first(
    db.orm
      .select()
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.currentTokenHash, tokenHash))
      .limit(1),
  );
}

/** The family a rotated-away token with this digest belonged to. */
export async function findFamilyByRetiredHash(
  db: Db,
  tokenHash: string,
): Promise<RefreshTokenFamilyRow | undefined> {
  const { refreshTokenFamilies, retiredRefreshTokens } = db.tables;
  const row = await first(
    db.orm
      .select({ family: refreshTokenFamilies })
      .from(retiredRefreshTokens)
      .innerJoin(refreshTokenFamilies, eq(retiredRefreshTokens.familyId, refreshTokenFamilies.id))
      .where(eq(retiredRefreshTokens.tokenHash, tokenHash))
      .limit(1),
  );
  return row?.family;
}

/** A rotated-away token with this digest: its family and when it was rotated away. */
export async function findRetiredToken(
  db: Db,
  tokenHash: string,
): Promise<{ family: RefreshTokenFamilyRow; retiredAt: Date } | undefined> {
  const { refreshTokenFamilies, retiredRefreshTokens } = db.tables;
  return await first(
    db.orm
      .select({ family: refreshTokenFamilies, retiredAt: retiredRefreshTokens.retiredAt })
      .from(retiredRefreshTokens)
      .innerJoin(refreshTokenFamilies, eq(retiredRefreshTokens.familyId, refreshTokenFamilies.id))
      .where(eq(retiredRefreshTokens.tokenHash, tokenHash))
      .limit(1),
  );
}

export async function findFamily(db: Db, id: string): Promise<RefreshTokenFamilyRow | undefined> {
  const { refreshTokenFamilies } = db.tables;
  return await first(
    db.orm.select().from(refreshTokenFamilies).where(eq(refreshTokenFamilies.id, id)).limit(1),
  );
}

/**
 * Rotation as one compare-and-swap: the new digest replaces the presented one only if the
 * presented one is still the live token of a family that is neither revoked nor expired.
 * @returns whether this call won the swap
 */
export async function swapLiveToken(
  db: Db,
  swap: { familyId: string; presentedHash: string; newHash: string; now: Date; idleExpiresAt: Date },
): Promise<boolean> {
  const { refreshTokenFamilies } = db.tables;
  const swapped = await db.orm
    .update(refreshTokenFamilies)
    .set({ currentTokenHash: swap.newHash, lastUsedAt: swap.now, idleExpiresAt: swap.idleExpiresAt })
    .where(
      and(
        eq(refreshTokenFamilies.id, swap.familyId),
        eq(refreshTokenFamilies.currentTokenHash, swap.presentedHash),
        isNull(refreshTokenFamilies.revokedAt),
        gt(refreshTokenFamilies.idleExpiresAt, swap.now),
        gt(refreshTokenFamilies.absoluteExpiresAt, swap.now),
      ),
    )
    .returning({ id: refreshTokenFamilies.id });
  return swapped.length === 1;
}

/**
 * Marks a family used without rotating it (a non-rotating client's refresh): its idle
 * expiry moves, provided its live token is still `liveHash` and it is neither revoked nor
 * expired.
 * @returns whether the family was still live
 */
export async function touchFamily(
  db: Db,
  touch: { familyId: string; liveHash: string; now: Date; idleExpiresAt: Date },
): Promise<boolean> {
  const { refreshTokenFamilies } = db.tables;
  const touched = await db.orm
    .update(refreshTokenFamilies)
    .set({ lastUsedAt: touch.now, idleExpiresAt: touch.idleExpiresAt })
    .where(
      and(
        eq(refreshTokenFamilies.id, touch.familyId),
        eq(refreshTokenFamilies.currentTokenHash, touch.liveHash),
        isNull(refreshTokenFamilies.revokedAt),
        gt(refreshTokenFamilies.idleExpiresAt, touch.now),
        gt(refreshTokenFamilies.absoluteExpiresAt, touch.now),
      ),
    )
    .returning({ id: refreshTokenFamilies.id });
  return touched.length === 1;
}

/** Remembers a rotated-away token, for reuse detection. */
export async function retireToken(db: Db, tokenHash: string, familyId: string, now: Date): Promise<void> {
  const { retiredRefreshTokens } = db.tables;
  await db.orm
    .insert(retiredRefreshTokens)
    .values({ tokenHash, familyId, retiredAt: now })
    .onConflictDoNothing();
}

/** @returns whether a live family was revoked */
export async function revokeFamily(db: Db, familyId: string, reason: string, now: Date): Promise<boolean> {
  const { refreshTokenFamilies } = db.tables;
  const revoked = await db.orm
    .update(refreshTokenFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(refreshTokenFamilies.id, familyId), isNull(refreshTokenFamilies.revokedAt)))
    .returning({ id: refreshTokenFamilies.id });
  return revoked.length === 1;
}

/**
 * A user's families that can still be used, oldest first, `take` at most after the family
 * `from` (checkpoint paging: `from` is the last id of the previous page).
 */
export async function listLiveFamilies(
  db: Db,
  userId: string,
  now: Date,
  page: { from?: string; take: number },
): Promise<RefreshTokenFamilyRow[]> {
  const { refreshTokenFamilies: families } = db.tables;
  const after =
    page.from === undefined
      ? undefined
      : sql`(${families.createdAt}, ${families.id}) > (select ${families.createdAt}, ${families.id} from ${families} where ${families.id} = ${page.from})`;
  return await db.orm
    .select()
    .from(families)
    .where(
      and(
        eq(families.userId, userId),
        isNull(families.revokedAt),
        gt(families.idleExpiresAt, now),
        gt(families.absoluteExpiresAt, now),
        after,
      ),
    )
    .orderBy(asc(families.createdAt), asc(families.id))
    .limit(page.take);
}

/** Revokes every live family of a user; returns how many. */
export async function revokeUserFamilies(db: Db, userId: string, reason: string, now: Date): Promise<number> {
  const { refreshTokenFamilies } = db.tables;
  const revoked = await db.orm
    .update(refreshTokenFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(refreshTokenFamilies.userId, userId), isNull(refreshTokenFamilies.revokedAt)))
    .returning({ id: refreshTokenFamilies.id });
  return revoked.length;
}
