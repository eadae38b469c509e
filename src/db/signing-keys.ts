import { and, eq, gt, inArray, lte, or, sql } from "drizzle-orm";
import type { SigningAlg } from "../model/signing-algorithms.ts";
import { type Db, preparedQuery } from "./database.ts";
import { timeValue } from "./dialect.ts";
import type { SigningKeyRow } from "./schema.ts";

/**
 * The key of `alg` in one place of its rotation (README, "Rotating keys"): `next` is
 * published but does not sign yet, `current` signs, `previous` only verifies until
 * `retireAfter`. The status column is plain text, so `next` needed no migration.
 */
const signingKeyByStatus = preparedQuery<SigningKeyRow, { alg: SigningAlg; status: string }>(
  "signing_key_by_status",
  ({ orm, tables: { signingKeys } }) =>
    orm
      .select()
      .from(signingKeys)
      .where(
        and(eq(signingKeys.alg, sql.placeholder("alg")), eq(signingKeys.status, sql.placeholder("status"))),
      )
      .limit(1),
  { configuration: true },
);

export async function findSigningKey(
  db: Db,
  alg: SigningAlg,
  status: "current" | "next",
): Promise<SigningKeyRow | undefined> {
  return (await signingKeyByStatus(db, { alg, status }))[0];
}

export const findCurrentSigningKey = (db: Db, alg: SigningAlg) => findSigningKey(db, alg, "current");

/** Every stored key, oldest first. */
export async function listSigningKeys(db: Db): Promise<SigningKeyRow[]> {
  const { signingKeys } = db.tables;
  return await db.orm.select().from(signingKeys).orderBy(signingKeys.createdAt);
}

/**
 * The keys the JWKS publishes: the next ones (published before they sign), the current
 * ones, and previous ones whose tokens may still be alive.
 */
export async function listPublishedKeys(db: Db, now: Date): Promise<SigningKeyRow[]> {
  const { signingKeys } = db.tables;
  return await db.orm
    .select()
    .from(signingKeys)
    .where(or(inArray(signingKeys.status, ["current", "next"]), gt(signingKeys.retireAfter, now)))
    .orderBy(signingKeys.createdAt);
}

export async function insertSigningKey(db: Db, row: SigningKeyRow): Promise<SigningKeyRow> {
  const { signingKeys } = db.tables;
  await db.orm.insert(signingKeys).values({ ...row, status: row.status });
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
  const { signingKeys } = db.tables;
  const changed = await db.orm
    .update(signingKeys)
    .set({
      status: sql`CASE ${signingKeys.status} WHEN 'current' THEN 'previous' ELSE 'current' END`,
      retireAfter: sql`CASE ${signingKeys.status} WHEN 'current' THEN ${timeValue(db, retireAfter)} ELSE NULL END`,
    })
    .where(and(eq(signingKeys.alg, alg), inArray(signingKeys.status, ["current", "next"])))
    .returning({ kid: signingKeys.kid, status: signingKeys.status });
  return {
    current: changed.find((row) => row.status === "current")?.kid,
    previous: changed.find((row) => row.status === "previous")?.kid,
  };
}

/** Deletes previous keys whose tokens have all expired. */
export async function deleteRetiredKeys(db: Db, now: Date): Promise<void> {
  const { signingKeys } = db.tables;
  await db.orm
    .delete(signingKeys)
    .where(and(eq(signingKeys.status, "previous"), lte(signingKeys.retireAfter, now)));
}
