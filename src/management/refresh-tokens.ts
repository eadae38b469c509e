import { t } from "elysia";
import { findClient } from "../db/clients.ts";
import { findFamily, listLiveFamilies, revokeFamily, revokeUserFamilies } from "../db/refresh-tokens.ts";
import type { ClientRow, RefreshTokenFamilyRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { clientRefreshTokenSettings, NEVER } from "../model/refresh-token-policy.ts";
import { notFound } from "./api-error.ts";
import { mustFindUser } from "./find-user.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/**
 * A user's refresh token (family) in Auth0's shape: never the token. Rulegate has no
 * sessions and keeps no device, so `session_id` and `device` are never shown; a token that
 * does not expire (or never idles out) has no `expires_at` (`idle_expires_at`).
 */
export const RefreshTokenEntry = t.Object({
  id: t.String(),
  user_id: t.String(),
  created_at: t.String(),
  idle_expires_at: t.Optional(t.String()),
  expires_at: t.Optional(t.String()),
  client_id: t.String(),
  /** Whether the client's refresh tokens rotate (its `refresh_token.rotation_type`). */
  rotating: t.Boolean(),
  /** The API the token is for, with the granted scope (space-separated, as Auth0 shows it). */
  resource_servers: t.Array(t.Object({ audience: t.String(), scopes: t.String() })),
  /** When the token was last exchanged; absent until it is. */
  last_exchanged_at: t.Optional(t.String()),
});

/** Auth0's answer: one page of tokens, and `next` (the `from` of the next page) while more may follow. */
export const RefreshTokenPage = t.Object({
  tokens: t.Array(RefreshTokenEntry),
  next: t.Optional(t.String()),
});

/** Auth0's checkpoint paging of a user's refresh tokens. */
export const RefreshTokenListQuery = t.Object({
  /** The `next` of the previous page (a token id). */
  from: t.Optional(t.String({ maxLength: 256, title: "from" })),
  take: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "take" })),
  /** Sent by Auth0's SDK v7; the answer has no totals either way. */
  include_totals: t.Optional(t.Boolean({ title: "include_totals" })),
});

const DEFAULT_TAKE = 50;

/** An expiry as Auth0 shows it: none for Rulegate's stand-in for "never". */
const expiryView = (at: Date) => (at.getTime() === NEVER.getTime() ? undefined : at.toISOString());

function entryView(
  row: RefreshTokenFamilyRow,
  client: ClientRow | undefined,
): typeof RefreshTokenEntry.static {
  const idleExpiresAt = expiryView(row.idleExpiresAt);
  const expiresAt = expiryView(row.absoluteExpiresAt);
  return {
    id: row.id,
    user_id: row.userId,
    created_at: row.createdAt.toISOString(),
    ...(idleExpiresAt ? { idle_expires_at: idleExpiresAt } : {}),
    ...(expiresAt ? { expires_at: expiresAt } : {}),
    client_id: row.clientId,
    rotating: client ? clientRefreshTokenSettings(client).rotation_type !== "non-rotating" : true,
    resource_servers: [{ audience: row.audience, scopes: row.scope }],
    ...(row.lastUsedAt ? { last_exchanged_at: row.lastUsedAt.toISOString() } : {}),
  };
}

/** `/api/v2/users/{id}/refresh-tokens`: list a user's live refresh tokens, revoke one or all. */
export function refreshTokenRoutes(deps: Deps) {
  return managementPlugin(deps, "/users")
    .get(
      "/:id/refresh-tokens",
      async ({ params, query }) => {
        const user = await mustFindUser(deps.db, params.id);
        const take = query.take ?? DEFAULT_TAKE;
        const rows = await listLiveFamilies(deps.db, user.id, deps.clock.now(), { from: query.from, take });
        const clients = new Map<string, ClientRow | undefined>();
        for (const clientId of new Set(rows.map((row) => row.clientId))) {
          clients.set(clientId, await findClient(deps.db, clientId));
        }
        const next = rows.length === take ? rows.at(-1)?.id : undefined;
        return {
          tokens: rows.map((row) => entryView(row, clients.get(row.clientId))),
          ...(next ? { next } : {}),
        };
      },
      { query: RefreshTokenListQuery, response: RefreshTokenPage },
    )
    .delete("/:id/refresh-tokens", async ({ params }) => {
      const user = await mustFindUser(deps.db, params.id);
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
