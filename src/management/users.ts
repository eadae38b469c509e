import { t } from "elysia";
import { isUniqueViolation } from "../db/errors.ts";
import { clearLoginBlocks } from "../db/login-failures.ts";
import type { UserRow } from "../db/schema.ts";
import { countUsers, deleteUser, findUserById, insertUser, listUsers, updateUser } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { newId } from "../security/new-id.ts";
import { conflict, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { assertMetadataSize, Metadata, mergeMetadata } from "./metadata.ts";
import { noContent } from "./no-content.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";

const Email = t.String({ format: "email", maxLength: 320 });
const Password = t.String({ minLength: 8, maxLength: 1024 });
const Name = t.String({ minLength: 1, maxLength: 300 });

export const CreateUser = t.Object(
  {
    email: Email,
    email_verified: t.Optional(t.Boolean()),
    password: Password,
    name: t.Optional(Name),
    user_metadata: t.Optional(Metadata),
    app_metadata: t.Optional(Metadata),
    blocked: t.Optional(t.Boolean()),
    /** Accepted for Auth0 compatibility; Rulegate has one database connection. */
    connection: t.Optional(t.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const UpdateUser = t.Object(
  {
    email: t.Optional(Email),
    email_verified: t.Optional(t.Boolean()),
    password: t.Optional(Password),
    name: t.Optional(Name),
    user_metadata: t.Optional(Metadata),
    app_metadata: t.Optional(Metadata),
    blocked: t.Optional(t.Boolean()),
    connection: t.Optional(t.String({ maxLength: 128 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

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
  created_at: t.String(),
  updated_at: t.String(),
});
export type User = typeof User.static;

export function userView(row: UserRow): User {
  return {
    user_id: row.id,
    email: row.email,
    email_verified: row.emailVerified,
    name: row.name,
    user_metadata: row.userMetadata,
    app_metadata: row.appMetadata,
    blocked: row.blocked,
    ...(row.givenName ? { given_name: row.givenName } : {}),
    ...(row.familyName ? { family_name: row.familyName } : {}),
    ...(row.nickname ? { nickname: row.nickname } : {}),
    ...(row.picture ? { picture: row.picture } : {}),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const emailTaken = () => conflict("The user already exists.");

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
        const now = deps.clock.now();
        try {
          const row = await insertUser(db, {
            id: newId("usr"),
            email: body.email,
            emailVerified: body.email_verified ?? false,
            name: body.name ?? body.email,
            passwordHash: await deps.hasher.hash(body.password),
            userMetadata: body.user_metadata ?? {},
            appMetadata: body.app_metadata ?? {},
            blocked: body.blocked ?? false,
            createdAt: now,
            updatedAt: now,
          });
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
      async ({ query }) =>
        listAnswer(query, "users", (await listUsers(db, pageOf(query))).map(userView), () => countUsers(db)),
      { query: ListQuery },
    )
    .get("/:id", async ({ params }) => userView(await mustFind(params.id)), { response: User })
    .patch(
      "/:id",
      async ({ params, body }) => {
        const current = await mustFind(params.id);
        const userMetadata = body.user_metadata && mergeMetadata(current.userMetadata, body.user_metadata);
        const appMetadata = body.app_metadata && mergeMetadata(current.appMetadata, body.app_metadata);
        assertMetadataSize("user_metadata", userMetadata);
        assertMetadataSize("app_metadata", appMetadata);
        try {
          const updated = await updateUser(db, current.id, {
            email: body.email,
            emailVerified: body.email_verified,
            name: body.name,
            blocked: body.blocked,
            passwordHash: body.password === undefined ? undefined : await deps.hasher.hash(body.password),
            userMetadata,
            appMetadata,
            updatedAt: deps.clock.now(),
          });
          if (!updated) throw notFound("user");
          // Auth0's brute-force protection: a password change lifts the user's blocks (under both emails).
          if (body.password !== undefined) {
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
