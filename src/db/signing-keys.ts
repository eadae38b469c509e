import { and, eq } from "drizzle-orm";
import type { Db } from "./database.ts";
import { type SigningAlg, type SigningKeyRow, signingKeys } from "./schema.ts";

export async function findCurrentSigningKey(db: Db, alg: SigningAlg): Promise<SigningKeyRow | undefined> {
  return await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.alg, alg), eq(signingKeys.status, "current")))
    .get();
}

/** Every key still published in the JWKS (current and previous). */
export async function listSigningKeys(db: Db): Promise<SigningKeyRow[]> {
  return await db.select().from(signingKeys).orderBy(signingKeys.createdAt).all();
}

export async function insertSigningKey(db: Db, row: SigningKeyRow): Promise<SigningKeyRow> {
  await db.insert(signingKeys).values(row);
  return row;
}
