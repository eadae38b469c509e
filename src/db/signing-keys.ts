import { and, eq, gt, inArray, lte, or, sql } from "drizzle-orm";
import type { SigningAlg } from "../model/signing-algorithms.ts";
import type { Db } from "./database.ts";
import { type SigningKeyRow, signingKeys } from "./schema.ts";

/**
 * The key of `alg` in one place of its rotation (README, "Rotating keys"): `next` is
 * published but does not sign yet, `current` signs, `previous` only verifies until
 * `retireAfter`. The status column is plain text, so `next` needed no migration.
 */
export async function findSigningKey(
  db: Db,
  alg: SigningAlg,
  status: "current" | "next",
): Promise<SigningKeyRow | undefined> {
  return await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.alg, alg), eq(signingKeys.status, status)))
    .get();
}

export const findCurrentSigningKey = (db: Db, alg: SigningAlg) => findSigningKey(db, alg, "current");

/** Every stored key, oldest first. */
export async function listSigningKeys(db: Db): Promise<SigningKeyRow[]> {
  return await db.select().from(signingKeys).orderBy(signingKeys.createdAt).all();
}

/**
 * The keys the JWKS publishes: the next ones (published before they sign), the current
 * ones, and previous ones whose tokens may still be alive.
 */
export async function listPublishedKeys(db: Db, now: Date): Promise<SigningKeyRow[]> {
  return await db
    .select()
    .from(signingKeys)
    .where(or(inArray(signingKeys.status, ["current", "next"]), gt(signingKeys.retireAfter, now)))
    .orderBy(signingKeys.createdAt)
    .all();
}

export async function insertSigningKey(db: Db, row: SigningKeyRow): Promise<SigningKeyRow> {
  await db.insert(signingKeys).values({ ...row, status: row.status });
  return row;
}

/**
 * One rotation step for `alg`, in a single statement so no reader ever sees the algorithm
 * without a current key: the current key becomes previous (published until `retireAfter`)
 * and the next key becomes current.
 * @returns the kids of the keys that became current and previous, if any
 */
export async function promoteNextKey(
  db: Db,
  alg: SigningAlg,
  retireAfter: Date,
): Promise<{ current?: string; previous?: string }> {
  const changed = await db
    .update(signingKeys)
    .set({
      status: sql`CASE ${signingKeys.status} WHEN 'current' THEN 'previous' ELSE 'current' END`,
      retireAfter: sql`CASE ${signingKeys.status} WHEN 'current' THEN ${retireAfter.getTime()} ELSE NULL END`,
    })
    .where(and(eq(signingKeys.alg, alg), inArray(signingKeys.status, ["current", "next"])))
    .returning({ kid: signingKeys.kid, status: signingKeys.status })
    .all();
  return {
    current: changed.find((row) => row.status === "current")?.kid,
    previous: changed.find((row) => row.status === "previous")?.kid,
  };
}

/** Deletes previous keys whose tokens have all expired. */
export async function deleteRetiredKeys(db: Db, now: Date): Promise<void> {
  await db
    .delete(signingKeys)
    .where(and(eq(signingKeys.status, "previous"), lte(signingKeys.retireAfter, now)));
}
