import type { TSchema } from "@sinclair/typebox";
import { t } from "elysia";
import { canSendEmail } from "../accounts/account-emails.ts";
import { sendVerificationEmail } from "../accounts/accounts.ts";
import { type PasswordProblem, passwordProblem, personalInfoOf } from "../accounts/password-policy.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { clearLoginBlocks } from "../db/login-failures.ts";
import { rememberPassword } from "../db/password-history.ts";
import type { UserRow } from "../db/schema.ts";
import {
  countUsers,
  deleteUser,
  findUserById,
  insertUser,
  listUsers,
  USER_SORT_FIELDS,
  type UserSort,
  updateUserMergingMetadata,
  userSearch,
} from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { DATABASE_CONNECTION, DATABASE_PROVIDER } from "../model/database-connection.ts";
import { USER_METADATA_BYTES } from "../model/metadata-limits.ts";
import { SearchSyntaxError } from "../search/parse-search-query.ts";
import { newDatabaseUserId } from "../security/new-id.ts";
import { auth0UserProfile } from "../tokens/user-profile.ts";
import { ApiError, conflict, invalidQuery, notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementPlugin } from "./management-plugin.ts";
import { assertMetadataSize, Metadata, metadataTooLarge } from "./metadata.ts";
import { noContent } from "./no-content.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";

const Email = t.String({ format: "email", maxLength: 320 });
/** The connection's password policy decides what else a password needs (src/accounts/password-policy.ts). */
const Password = t.String({ minLength: 1, maxLength: 1024 });
const Name = t.String({ minLength: 1, maxLength: 300 });
/** Auth0's profile fields of a database user. */
const ProfileText = t.String({ minLength: 1, maxLength: 150 });
const Picture = t.String({ format: "uri", maxLength: 2000 });
/** Auth0's username rules for a database connection: 1 to 128 characters, no `@` or spaces. */
const Username = t.String({ pattern: "^[^@\\s]{1,128}$" });
const PhoneNumber = t.String({ pattern: "^\\+?[0-9][0-9 ()-]{2,30}$" });
/** A profile field on update: a value, or `null` to remove it. */
const Clearable = <Schema extends TSchema>(schema: Schema) => t.Optional(t.Union([schema, t.Null()]));

/**
 * Read-only fields an export sends back: accepted on create and update and ignored, as Auth0
 * ignores them (the server counts logins and keeps the times).
 */
const ReadOnlyUserFields = {
  identities: t.Optional(t.Unknown()),
  logins_count: t.Optional(t.Unknown()),
  last_login: t.Optional(t.Unknown()),
  last_ip: t.Optional(t.Unknown()),
  created_at: t.Optional(t.Unknown()),
  updated_at: t.Optional(t.Unknown()),
};

export const CreateUser = t.Object(
  {
    email: Email,
    email_verified: t.Optional(t.Boolean()),
    password: Password,
    name: t.Optional(Name),
    given_name: t.Optional(ProfileText),
    family_name: t.Optional(ProfileText),
    nickname: t.Optional(ProfileText),
    picture: t.Optional(Picture),
    username: t.Optional(Username),
    phone_number: t.Optional(PhoneNumber),
    phone_verified: t.Optional(t.Boolean()),
    /** Auth0's id of a database user without its `auth0|` prefix (the prefix is accepted too). */
    user_id: t.Optional(t.String({ pattern: "^[A-Za-z0-9_.|-]{1,255}$" })),
    /**
     * `true` sends the verification email (when the `verify_email` template is enabled). Auth0
     * sends it unless told not to; Rulegate only when asked, so that creating users keeps
     * sending nothing unless the caller wants it (README, "Sign-up, password reset and email").
     */
    verify_email: t.Optional(t.Boolean()),
    user_metadata: t.Optional(Metadata),
    app_metadata: t.Optional(Metadata),
    blocked: t.Optional(t.Boolean()),
    /** Accepted for Auth0 compatibility; Rulegate has one database connection. */
    connection: t.Optional(t.String({ maxLength: 128 })),
    ...ReadOnlyUserFields,
  },
  { additionalProperties: false },
);

export const UpdateUser = t.Object(
  {
    email: t.Optional(Email),
    email_verified: t.Optional(t.Boolean()),
    password: t.Optional(Password),
    name: t.Optional(Name),
    given_name: Clearable(ProfileText),
    family_name: Clearable(ProfileText),
    nickname: Clearable(ProfileText),
    picture: Clearable(Picture),
    username: Clearable(Username),
    phone_number: Clearable(PhoneNumber),
    phone_verified: t.Optional(t.Boolean()),
    verify_email: t.Optional(t.Boolean()),
    user_metadata: t.Optional(Metadata),
    app_metadata: t.Optional(Metadata),
    blocked: t.Optional(t.Boolean()),
    connection: t.Optional(t.String({ maxLength: 128 })),
    /** A user's id cannot change: accepted and ignored, as Auth0 does. */
    user_id: t.Optional(t.Unknown()),
    ...ReadOnlyUserFields,
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Auth0's identity of a database user. */
const Identity = t.Object({
  connection: t.String(),
  user_id: t.String(),
  provider: t.String(),
  isSocial: t.Boolean(),
});

/** A user as the Management API shows it: never the password or its hash. */
export const User = t.Object({
  user_id: t.String(),
  email: t.String(),
  email_verified: t.Boolean(),
  name: t.String(),
  user_metadata: Metadata,
  app_metadata: Metadata,
  blocked: t.Boolean(),
  given_name: t.Optional(t.String()),
  family_name: t.Optional(t.String()),
  nickname: t.Optional(t.String()),
  picture: t.Optional(t.String()),
  username: t.Optional(t.String()),
  phone_number: t.Optional(t.String()),
  phone_verified: t.Optional(t.Boolean()),
  identities: t.Array(Identity),
  logins_count: t.Optional(t.Integer()),
  last_login: t.Optional(t.String()),
  last_ip: t.Optional(t.String()),
  created_at: t.String(),
  updated_at: t.String(),
});
export type User = typeof User.static;

/** A user as the Management API shows it (Auth0's normalized profile). */
export const userView = (row: UserRow): User => auth0UserProfile(row);

/** Auth0's parameters of `GET /api/v2/users`. */
export const UserListQuery = t.Object({
  ...ListQuery.properties,
  ...FieldsQuery,
  q: t.Optional(t.String({ maxLength: 4000, title: "q" })),
  /** Auth0's search engine version; Rulegate has one search, v3's syntax. */
  search_engine: t.Optional(t.Union([t.Literal("v2"), t.Literal("v3")], { title: "search_engine" })),
  sort: t.Optional(t.String({ pattern: "^[a-z_]{1,32}:(1|-1)$", title: "sort" })),
  connection: t.Optional(t.String({ maxLength: 128, title: "connection" })),
});

/** `sort=field:1|-1`. @throws ApiError 400 for a field users cannot be sorted by */
function userSortOf(sort: string | undefined): UserSort | undefined {
  if (sort === undefined) return undefined;
  const [field, direction] = sort.split(":");
  if (!(USER_SORT_FIELDS as readonly string[]).includes(field!)) {
    throw invalidQuery(`users cannot be sorted by ${field} (fields: ${USER_SORT_FIELDS.join(", ")})`, "sort");
  }
  return { field: field as UserSort["field"], direction: direction === "1" ? 1 : -1 };
}

/** The condition of a user list's `q`. @throws ApiError 400 naming what is wrong or unsupported */
function userSearchOf(db: Deps["db"], q: string | undefined) {
  if (q === undefined || q.trim() === "") return undefined;
  try {
    return userSearch(db, q);
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw invalidQuery(error.message, "q");
    throw error;
  }
}

/** The fields a user gets from the profile fields of a create or update body. */
const profileOf = (body: typeof UpdateUser.static) => ({
  givenName: body.given_name,
  familyName: body.family_name,
  nickname: body.nickname,
  picture: body.picture,
  username: body.username,
  phoneNumber: body.phone_number,
  phoneVerified: body.phone_verified,
});

const emailTaken = () => conflict("The user already exists.");

/** The connection's password policy refused a password: Auth0's message (`PasswordStrengthError: Password is too weak`). */
const refusedPassword = (problem: PasswordProblem) =>
  new ApiError(400, `${problem.name}: ${problem.message}`, "invalid_password");

/** The id of a new user: Auth0's `auth0|<user_id>` when one is given, else a new one alike. */
const newUserIdOf = (userId: string | undefined) =>
  userId === undefined
    ? newDatabaseUserId()
    : userId.startsWith(`${DATABASE_PROVIDER}|`)
      ? userId
      : `${DATABASE_PROVIDER}|${userId}`;

/** `/api/v2/users`: create, read, update (including the password) and delete users. */
export function usersRoutes(deps: Deps) {
  const { db } = deps;
  const mustFind = async (id: string) => {
    const row = await findUserById(db, id);
    if (!row) throw notFound("user");
    return row;
  };
  return managementPlugin(deps, "/users")
    .post(
      "",
      async ({ body, set }) => {
        assertMetadataSize("user_metadata", body.user_metadata);
        assertMetadataSize("app_metadata", body.app_metadata);
        const problem = await passwordProblem(deps, body.password, {
          info: {
            ...body,
            givenName: body.given_name,
            familyName: body.family_name,
            phoneNumber: body.phone_number,
            userMetadata: body.user_metadata,
          },
        });
        if (problem) throw refusedPassword(problem);
        const now = deps.clock.now();
        try {
          const row = await insertUser(db, {
            id: newUserIdOf(body.user_id),
            email: body.email,
            emailVerified: body.email_verified ?? false,
            name: body.name ?? body.email,
            ...profileOf(body),
            passwordHash: await deps.hasher.hash(body.password),
            userMetadata: body.user_metadata ?? {},
            appMetadata: body.app_metadata ?? {},
            blocked: body.blocked ?? false,
            createdAt: now,
            updatedAt: now,
          });
          if (body.verify_email === true && !row.emailVerified && (await canSendEmail(deps))) {
            await sendVerificationEmail(deps, row);
          }
          set.status = 201;
          return userView(row);
        } catch (error) {
          if (isUniqueViolation(error)) throw emailTaken();
          throw error;
        }
      },
      { body: CreateUser, response: { 201: User } },
    )
    .get(
      "",
      async ({ query }) => {
        const where = userSearchOf(db, query.q);
        const sort = userSortOf(query.sort);
        // Rulegate's users are all in its one database connection.
        if (query.connection !== undefined && query.connection !== DATABASE_CONNECTION)
          return listAnswer(query, "users", [], async () => 0);
        const rows = await listUsers(db, pageOf(query), { where, sort });
        return listAnswer(
          query,
          "users",
          rows.map((row) => projectFields(userView(row), query)),
          () => countUsers(db, where),
        );
      },
      { query: UserListQuery },
    )
    .get("/:id", async ({ params, query }) => projectFields(userView(await mustFind(params.id)), query), {
      query: t.Object(FieldsQuery),
    })
    .patch(
      "/:id",
      async ({ params, body }) => {
        const current = await mustFind(params.id);
        if (body.password !== undefined) {
          const problem = await passwordProblem(deps, body.password, {
            info: personalInfoOf(current),
            user: current,
          });
          if (problem) throw refusedPassword(problem);
        }
        try {
          // Auth0's PATCH merges metadata (top-level keys; null removes one), here in the
          // UPDATE itself, so concurrent PATCHes all land; the size limit applies to the result.
          const { user: updated, tooLarge } = await updateUserMergingMetadata(
            db,
            current.id,
            {
              email: body.email,
              emailVerified: body.email_verified,
              name: body.name,
              ...profileOf(body),
              blocked: body.blocked,
              passwordHash: body.password === undefined ? undefined : await deps.hasher.hash(body.password),
              updatedAt: deps.clock.now(),
            },
            { userMetadata: body.user_metadata, appMetadata: body.app_metadata },
            USER_METADATA_BYTES,
          );
          if (tooLarge) throw metadataTooLarge(tooLarge);
          if (!updated) throw notFound("user");
          // Auth0's brute-force protection: a password change lifts the user's blocks (under both emails).
          if (body.password !== undefined) {
            // The password left behind joins the history once the change has landed.
            await rememberPassword(db, current.id, current.passwordHash, deps.clock.now());
            await clearLoginBlocks(db, current.email);
            await clearLoginBlocks(db, updated.email);
          }
          return userView(updated);
        } catch (error) {
          if (isUniqueViolation(error)) throw emailTaken();
          throw error;
        }
      },
      { body: UpdateUser, response: User },
    )
    .delete("/:id", async ({ params }) => {
      if (!(await deleteUser(db, params.id))) throw notFound("user");
      return noContent();
    });
}
