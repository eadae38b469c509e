import { and, asc, count, eq, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { type Db, first, preparedQuery } from "./database.ts";
import { jsonTextLength, mergeTopLevel } from "./dialect.ts";
import type { Page } from "./page.ts";
import type { UserRow, users } from "./schema.ts";
import { type SearchSpec, searchCondition } from "./search-condition.ts";

/** Emails are matched case-insensitively: they are stored and looked up lower-cased. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const userByEmail = preparedQuery<UserRow, { email: string }>("user_by_email", ({ orm, tables }) =>
  orm
    .select()
    .from(tables.users)
    .where(eq(tables.users.email, sql.placeholder("email")))
    .limit(1),
);

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return (await userByEmail(db, { email: normalizeEmail(email) }))[0];
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

/** Columns of a user an update may change. */
export type UserChanges = Partial<Omit<UserRow, "id" | "createdAt">>;

const withNormalizedEmail = (changes: UserChanges): UserChanges =>
  changes.email === undefined ? changes : { ...changes, email: normalizeEmail(changes.email) };

export async function updateUser(db: Db, id: string, changes: UserChanges): Promise<UserRow | undefined> {
  const { users } = db.tables;
  return await first(
    db.orm.update(users).set(withNormalizedEmail(changes)).where(eq(users.id, id)).returning(),
  );
}

/**
 * Replaces the user's password only if it is still `replacing`, so the caller knows which
 * hash it replaced (for the password history) even when two changes race.
 * @returns the updated user, or nothing when the user is gone or the password changed meanwhile
 */
export async function replacePassword(
  db: Db,
  id: string,
  replacing: string,
  changes: UserChanges,
): Promise<UserRow | undefined> {
  const { users } = db.tables;
  return await first(
    db.orm
      .update(users)
      .set(changes)
      .where(and(eq(users.id, id), eq(users.passwordHash, replacing)))
      .returning(),
  );
}

/** Changes to merge into a user's metadata objects (see {@link mergeTopLevel}). */
export interface MetadataChanges {
  userMetadata?: Record<string, unknown>;
  appMetadata?: Record<string, unknown>;
}

/** What {@link updateUserMergingMetadata} did: the updated user, or which merged object was too large. */
export type MergedUpdate = { user?: UserRow; tooLarge?: "user_metadata" | "app_metadata" };

/**
 * Updates a user, merging `metadata` into the stored objects in the same UPDATE (so two
 * PATCHes at once both land: neither writes back a copy read before the other), and only
 * while each merged object's JSON text stays within `maxLength` characters.
 * @returns the updated user; or the metadata over the limit, nothing stored; or neither when there is no such user
 */
export async function updateUserMergingMetadata(
  db: Db,
  id: string,
  changes: UserChanges,
  metadata: MetadataChanges,
  maxLength: number,
): Promise<MergedUpdate> {
  const { users } = db.tables;
  const merged = {
    user_metadata: metadata.userMetadata && mergeTopLevel(db, users.userMetadata, metadata.userMetadata),
    app_metadata: metadata.appMetadata && mergeTopLevel(db, users.appMetadata, metadata.appMetadata),
  };
  const withinLimit = Object.values(merged).flatMap((json) =>
    json ? [sql`${jsonTextLength(db, json)} <= ${maxLength}`] : [],
  );
  const user = await first(
    db.orm
      .update(users)
      .set({
        ...withNormalizedEmail(changes),
        ...(merged.user_metadata && { userMetadata: merged.user_metadata }),
        ...(merged.app_metadata && { appMetadata: merged.app_metadata }),
      })
      .where(and(eq(users.id, id), ...withinLimit))
      .returning(),
  );
  if (user) return { user };
  // Nothing stored: no such user, or a merge over the limit (measured again to name it).
  const lengthOf = (json: SQL | undefined) => (json ? jsonTextLength(db, json) : sql<number>`0`);
  const [lengths] = await db.orm
    .select({ user_metadata: lengthOf(merged.user_metadata), app_metadata: lengthOf(merged.app_metadata) })
    .from(users)
    .where(eq(users.id, id));
  if (!lengths) return {};
  return { tooLarge: Number(lengths.user_metadata) > maxLength ? "user_metadata" : "app_metadata" };
}

/** @returns whether a user was deleted */
export async function deleteUser(db: Db, id: string): Promise<boolean> {
  const { users } = db.tables;
  const deleted = await db.orm.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return deleted.length > 0;
}

/** The fields of Auth0's user search and what each is (Auth0's user search v3). */
function userSearchSpec(db: Db): SearchSpec {
  const { users } = db.tables;
  const text = (column: SQLWrapper, caseInsensitive = false) => ({
    kind: "text" as const,
    column,
    caseInsensitive,
  });
  return {
    fields: {
      user_id: text(users.id),
      email: { kind: "text", column: users.email, caseInsensitive: true, storedLowerCase: true },
      email_verified: { kind: "boolean", column: users.emailVerified },
      name: text(users.name, true),
      given_name: text(users.givenName, true),
      family_name: text(users.familyName, true),
      nickname: text(users.nickname, true),
      username: text(users.username),
      phone_number: text(users.phoneNumber),
      phone_verified: { kind: "boolean", column: users.phoneVerified },
      last_ip: text(users.lastIp),
      created_at: { kind: "date", column: users.createdAt },
      updated_at: { kind: "date", column: users.updatedAt },
      last_login: { kind: "date", column: users.lastLogin },
      logins_count: { kind: "integer", column: users.loginsCount },
      blocked: { kind: "boolean", column: users.blocked },
    },
    json: {
      app_metadata: { column: users.appMetadata, wildcards: true },
      user_metadata: { column: users.userMetadata, wildcards: false },
    },
    bare: ["email", "name", "given_name", "family_name", "nickname", "username"],
  };
}

/**
 * The condition of Auth0's user search query `q`.
 * @throws SearchSyntaxError for bad or unsupported syntax and unknown fields
 */
export const userSearch = (db: Db, q: string): SQL => searchCondition(db, q, userSearchSpec(db));

/** The fields users can be sorted by (Auth0's `sort=field:1|-1`). */
export const USER_SORT_FIELDS = [
  "user_id",
  "email",
  "name",
  "given_name",
  "family_name",
  "nickname",
  "username",
  "created_at",
  "updated_at",
  "last_login",
  "logins_count",
] as const;
export type UserSort = { field: (typeof USER_SORT_FIELDS)[number]; direction: 1 | -1 };

function sortColumn(db: Db, field: UserSort["field"]) {
  const { users } = db.tables;
  // Profile names sort as they are searched: whatever their case.
  const columns = {
    user_id: users.id,
    email: users.email,
    name: sql`lower(${users.name})`,
    given_name: sql`lower(${users.givenName})`,
    family_name: sql`lower(${users.familyName})`,
    nickname: sql`lower(${users.nickname})`,
    username: users.username,
    created_at: users.createdAt,
    updated_at: users.updatedAt,
    last_login: users.lastLogin,
    logins_count: users.loginsCount,
  };
  return columns[field];
}

/** A page of users matching `where` (all without), oldest first unless `sort` says otherwise. */
export async function listUsers(
  db: Db,
  { page, perPage }: Page,
  options: { where?: SQL; sort?: UserSort } = {},
): Promise<UserRow[]> {
  const { users } = db.tables;
  // Users without the value (no last login…) come last either way, on both engines.
  const order = options.sort
    ? [
        sql`${sortColumn(db, options.sort.field)} ${sql.raw(options.sort.direction === 1 ? "asc" : "desc")} nulls last`,
        asc(users.id),
      ]
    : [asc(users.createdAt), asc(users.id)];
  return await db.orm
    .select()
    .from(users)
    .where(options.where)
    .orderBy(...order)
    .limit(perPage)
    .offset(page * perPage);
}

export async function countUsers(db: Db, where?: SQL): Promise<number> {
  const { users } = db.tables;
  const row = await first(db.orm.select({ total: count() }).from(users).where(where).limit(1));
  return row?.total ?? 0;
}

/**
 * Counts a successful password exchange: Auth0's `logins_count`, `last_login` and `last_ip`,
 * in one statement (concurrent logins each count).
 */
export async function recordLogin(
  db: Db,
  userId: string,
  ip: string | undefined,
  now: Date,
): Promise<UserRow | undefined> {
  return (await loginRecord(db, { userId, now, ip: ip ?? null }))[0];
}

const loginRecord = preparedQuery<UserRow, { userId: string; now: Date; ip: string | null }>(
  "record_login",
  ({ orm, tables: { users } }) =>
    orm
      .update(users)
      .set({
        loginsCount: sql`${users.loginsCount} + 1`,
        // Drizzle's update types take no placeholder, though it encodes one like a value.
        lastLogin: sql.placeholder("now") as never,
        lastIp: sql.placeholder("ip") as never,
      })
      .where(eq(users.id, sql.placeholder("userId")))
      .returning(),
);
