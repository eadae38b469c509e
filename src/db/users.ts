import { count, eq, inArray } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { Page } from "./page.ts";
import type { UserRow, users } from "./schema.ts";

/** Emails are matched case-insensitively: they are stored and looked up lower-cased. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const { users } = db.tables;
  return await first(
    db.orm
      .select()
      .from(users)
      .where(eq(users.email, normalizeEmail(email)))
      .limit(1),
  );
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const { users } = db.tables;
  return await first(db.orm.select().from(users).where(eq(users.id, id)).limit(1));
}

/** A new user: the profile and import columns may be left out. */
export type NewUser = typeof users.$inferInsert;

export async function insertUser(db: Db, row: NewUser): Promise<UserRow> {
  const { users } = db.tables;
  const stored = await first(
    db.orm
      .insert(users)
      .values({ ...row, email: normalizeEmail(row.email) })
      .returning(),
  );
  if (!stored) throw new Error("user insert returned nothing");
  return stored;
}

/**
 * Many users in one multi-row INSERT (atomic on its own) that skips rows whose id or email
 * is taken, for an import.
 * @returns the import lines of the rows that went in
 */
export async function insertImportedUsers(db: Db, rows: NewUser[]): Promise<Array<{ line: number | null }>> {
  const { users } = db.tables;
  if (rows.length === 0) return [];
  return await db.orm
    .insert(users)
    .values(rows.map((row) => ({ ...row, email: normalizeEmail(row.email) })))
    .onConflictDoNothing()
    .returning({ line: users.importLine });
}

/** The ids of the users with these (normalized) emails. */
export async function findUserIdsByEmails(
  db: Db,
  emails: string[],
): Promise<Array<{ id: string; email: string }>> {
  const { users } = db.tables;
  if (emails.length === 0) return [];
  return await db.orm
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(users.email, emails));
}

export async function updateUser(
  db: Db,
  id: string,
  changes: Partial<Omit<UserRow, "id" | "createdAt">>,
): Promise<UserRow | undefined> {
  const { users } = db.tables;
  const values = changes.email === undefined ? changes : { ...changes, email: normalizeEmail(changes.email) };
  return await first(db.orm.update(users).set(values).where(eq(users.id, id)).returning());
}

/** @returns whether a user was deleted */
export async function deleteUser(db: Db, id: string): Promise<boolean> {
  const { users } = db.tables;
  const deleted = await db.orm.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return deleted.length > 0;
}

export async function listUsers(db: Db, { page, perPage }: Page): Promise<UserRow[]> {
  const { users } = db.tables;
  return await db.orm
    .select()
    .from(users)
    .orderBy(users.createdAt, users.id)
    .limit(perPage)
    .offset(page * perPage);
}

export async function countUsers(db: Db): Promise<number> {
  const { users } = db.tables;
  const row = await first(db.orm.select({ total: count() }).from(users).limit(1));
  return row?.total ?? 0;
}
