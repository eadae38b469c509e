import { and, eq, gt, lte, or } from "drizzle-orm";
import type { SigningAlg } from "../model/signing-algorithms.ts";
import type { Db } from "./database.ts";
import { type SigningKeyRow, signingKeys } from "./schema.ts";

export async function findCurrentSigningKey(db: Db, alg: SigningAlg): Promise<SigningKeyRow | undefined> {
  return await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.alg, alg), eq(signingKeys.status, "current")))
    .get();
}

/** Every stored key, oldest first. */
export async function listSigningKeys(db: Db): Promise<SigningKeyRow[]> {
  return await db.select().from(signingKeys).orderBy(signingKeys.createdAt).all();
}

/** The keys the JWKS publishes: the current ones, and previous ones whose tokens may still be alive. */
export async function listPublishedKeys(db: Db, now: Date): Promise<SigningKeyRow[]> {
  return await db
    .select()
    .from(signingKeys)
    .where(or(eq(signingKeys.status, "current"), gt(signingKeys.retireAfter, now)))
    .orderBy(signingKeys.createdAt)
    .all();
}

export async function insertSigningKey(db: Db, row: SigningKeyRow): Promise<SigningKeyRow> {
  await db.insert(signingKeys).values(row);
  return row;
}

/** Makes the current key of `alg` a previous one, published until `retireAfter`. */
export async function demoteCurrentKey(
  db: Db,
  alg: SigningAlg,
  retireAfter: Date,
): Promise<string | undefined> {
  const demoted = await db
    .update(signingKeys)
    .set({ status: "previous", retireAfter })
    .where(and(eq(signingKeys.alg, alg), eq(signingKeys.status, "current")))
    .returning({ kid: signingKeys.kid })
    .all();
  return demoted[0]?.kid;
}

/** Deletes previous keys whose tokens have all expired. */
export async function deleteRetiredKeys(db: Db, now: Date): Promise<void> {
  await db
    .delete(signingKeys)
    .where(and(eq(signingKeys.status, "previous"), lte(signingKeys.retireAfter, now)));
}
