import { and, desc, eq, inArray, notInArray } from "drizzle-orm";
import { MAX_PASSWORD_HISTORY } from "../model/connection-options.ts";
import type { Db } from "./database.ts";

/** The hashes of the user's `size` most recent earlier passwords, newest first. */
export async function passwordHistoryOf(db: Db, userId: string, size: number): Promise<string[]> {
  if (size <= 0) return [];
  const { passwordHistory } = db.tables;
  const rows = await db.orm
    .select({ hash: passwordHistory.passwordHash })
    .from(passwordHistory)
    .where(eq(passwordHistory.userId, userId))
    .orderBy(desc(passwordHistory.createdAt))
    .limit(size);
  return rows.map((row) => row.hash);
}

/**
 * Keeps a password the user is leaving (its hash), and no more than the most history a
 * connection can ask for (Auth0's 24).
 */
export async function rememberPassword(
  db: Db,
  userId: string,
  passwordHash: string,
  now: Date,
): Promise<void> {
  const { passwordHistory } = db.tables;
  await db.orm.insert(passwordHistory).values({ userId, passwordHash, createdAt: now });
  const kept = db.orm
    .select({ createdAt: passwordHistory.createdAt })
    .from(passwordHistory)
    .where(eq(passwordHistory.userId, userId))
    .orderBy(desc(passwordHistory.createdAt))
    .limit(MAX_PASSWORD_HISTORY);
  await db.orm
    .delete(passwordHistory)
    .where(and(eq(passwordHistory.userId, userId), notInArray(passwordHistory.createdAt, kept)));
}

/** Forgets the histories of these users (tests, and a user's deletion cascades anyway). */
export async function forgetPasswordHistory(db: Db, userIds: string[]): Promise<void> {
  const { passwordHistory } = db.tables;
  if (userIds.length > 0)
    await db.orm.delete(passwordHistory).where(inArray(passwordHistory.userId, userIds));
}
