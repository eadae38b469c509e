import { t } from "elysia";
import { findFamily, listLiveFamilies, revokeFamily, revokeUserFamilies } from "../db/refresh-tokens.ts";
import type { RefreshTokenFamilyRow } from "../db/schema.ts";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/** A user's refresh token (family) as the Management API shows it: never the token. */
export const RefreshTokenEntry = t.Object({
  id: t.String(),
  user_id: t.String(),
  client_id: t.String(),
  audience: t.String(),
  scope: t.String(),
  created_at: t.String(),
  last_used_at: t.Union([t.String(), t.Null()]),
  idle_expires_at: t.String(),
  expires_at: t.String(),
});

const entryView = (row: RefreshTokenFamilyRow): typeof RefreshTokenEntry.static => ({
  id: row.id,
  user_id: row.userId,
  client_id: row.clientId,
  audience: row.audience,
  scope: row.scope,
  created_at: row.createdAt.toISOString(),
  last_used_at: row.lastUsedAt?.toISOString() ?? null,
  idle_expires_at: row.idleExpiresAt.toISOString(),
  expires_at: row.absoluteExpiresAt.toISOString(),
});

/** `/api/v2/users/{id}/refresh-tokens`: list a user's live refresh tokens, revoke one or all. */
export function refreshTokenRoutes(deps: Deps) {
  const mustFindUser = async (id: string) => {
    const user = await findUserById(deps.db, id);
    if (!user) throw notFound("user");
    return user;
  };
  return managementPlugin(deps, "/users")
    .get(
      "/:id/refresh-tokens",
      async ({ params }) => {
        const user = await mustFindUser(params.id);
        return (await listLiveFamilies(deps.db, user.id, deps.clock.now())).map(entryView);
      },
      { response: t.Array(RefreshTokenEntry) },
    )
    .delete("/:id/refresh-tokens", async ({ params }) => {
      const user = await mustFindUser(params.id);
      await revokeUserFamilies(deps.db, user.id, "revoked by an admin", deps.clock.now());
      return noContent();
    })
    .delete("/:id/refresh-tokens/:token_id", async ({ params }) => {
      const family = await findFamily(deps.db, params.token_id);
      if (!family || family.userId !== params.id || family.revokedAt) throw notFound("refresh token");
      await revokeFamily(deps.db, family.id, "revoked by an admin", deps.clock.now());
      return noContent();
    });
}
