import { and, eq, gt, lte } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { revokedAccessTokens } from "./schema.ts";

export type RevokedAccessTokenRow = typeof revokedAccessTokens.$inferSelect;

/** Remembers a revoked access token until it expires; revoking it twice changes nothing. */
export async function insertRevokedAccessToken(db: Db, row: RevokedAccessTokenRow): Promise<void> {
  const { revokedAccessTokens } = db.tables;
  await db.orm.insert(revokedAccessTokens).values(row).onConflictDoNothing();
}

/** @returns whether the access token with this `jti` was revoked and has not yet expired */
export async function isAccessTokenRevoked(db: Db, jti: string, now: Date): Promise<boolean> {
  const { revokedAccessTokens } = db.tables;
  const row = await first(
    db.orm
      .select({ jti: revokedAccessTokens.jti })
      .from(revokedAccessTokens)
      .where(and(eq(revokedAccessTokens.jti, jti), gt(revokedAccessTokens.expiresAt, now)))
      .limit(1),
  );
  return row !== undefined;
}

/** Forgets revoked access tokens that have expired (they no longer verify anyway); returns how many. */
export async function pruneRevokedAccessTokens(db: Db, now: Date): Promise<number> {
  const { revokedAccessTokens } = db.tables;
  const pruned = await db.orm
    .delete(revokedAccessTokens)
    .where(lte(revokedAccessTokens.expiresAt, now))
    .returning({ jti: revokedAccessTokens.jti });
  return pruned.length;
}
