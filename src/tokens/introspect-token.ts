import { Type as t } from "@sinclair/typebox";
import { findFamilyByLiveHash } from "../db/refresh-tokens.ts";
import type { ClientRow } from "../db/schema.ts";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { secretDigest } from "../security/secret-digest.ts";
import { verifyAccessToken } from "./verify-access-token.ts";

/** RFC 7662 §2.2's answer: `active`, and for an active token what it is and whose. */
export const IntrospectionResponse = t.Object({
  active: t.Boolean(),
  token_type: t.Optional(t.Union([t.Literal("access_token"), t.Literal("refresh_token")])),
  scope: t.Optional(t.String()),
  client_id: t.Optional(t.String()),
  sub: t.Optional(t.String()),
  aud: t.Optional(t.Union([t.String(), t.Array(t.String())])),
  iss: t.Optional(t.String()),
  exp: t.Optional(t.Integer()),
  iat: t.Optional(t.Integer()),
  jti: t.Optional(t.String()),
});
export type IntrospectionResponse = typeof IntrospectionResponse.static;

/** RFC 7662 §2.2: everything that is not an active token of the asking client. */
export const INACTIVE: IntrospectionResponse = { active: false };

/**
 * An access token this server signed for `client`, still valid and not revoked.
 * @returns its RFC 7662 §2.2 description, or undefined when it is not one
 */
export async function introspectAccessToken(
  deps: Deps,
  presented: string,
  client: ClientRow,
): Promise<IntrospectionResponse | undefined> {
  const payload = await verifyAccessToken(deps, presented);
  if (!payload) return undefined;
  if (payload.client_id !== client.clientId) return undefined;
  return {
    active: true,
    token_type: "access_token",
    scope: typeof payload.scope === "string" ? payload.scope : undefined,
    client_id: client.clientId,
    sub: payload.sub,
    aud: payload.aud,
    iss: payload.iss,
    exp: payload.exp,
    iat: payload.iat,
    jti: payload.jti,
  };
}

/**
 * The live refresh token of one of `client`'s families, neither revoked nor expired, whose
 * user may still refresh. A token already rotated away is inactive, and introspecting it
 * is not reuse: nothing is redeemed.
 * @returns its RFC 7662 §2.2 description, or undefined when it is not one
 */
export async function introspectRefreshToken(
  deps: Deps,
  presented: string,
  client: ClientRow,
): Promise<IntrospectionResponse | undefined> {
  const now = deps.clock.now();
  const family = await findFamilyByLiveHash(deps.db, secretDigest(presented));
  if (!family || family.clientId !== client.clientId || family.revokedAt) return undefined;
  const expiresAt = Math.min(family.idleExpiresAt.getTime(), family.absoluteExpiresAt.getTime());
  if (expiresAt <= now.getTime()) return undefined;
  const user = await findUserById(deps.db, family.userId);
  if (!user || user.blocked) return undefined;
  return {
    active: true,
    token_type: "refresh_token",
    scope: family.scope,
    client_id: client.clientId,
    sub: family.userId,
    exp: Math.floor(expiresAt / 1000),
  };
}
