import {
  findFamilyByLiveHash,
  findFamilyByRetiredHash,
  insertFamily,
  retireToken,
  revokeFamily,
  swapLiveToken,
} from "../db/refresh-tokens.ts";
import type { ClientRow, RefreshTokenFamilyRow, ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { newId } from "../security/new-id.ts";
import { randomSecret } from "../security/random-secret.ts";
import { secretDigest } from "../security/secret-digest.ts";
import type { TokenGrant } from "./token-grant.ts";

/** Opaque, 256 bits of randomness; only its SHA-256 digest is stored. */
const newRefreshToken = () => `rt_${randomSecret(32)}`;
const seconds = (date: Date, count: number) => new Date(date.getTime() + count * 1000);

/**
 * Why a presented refresh token was refused. The client learns none of it (RFC 6749 §5.2
 * `invalid_grant` says only that the token is invalid, expired or revoked); `detail` is
 * for the logs.
 */
export interface RefreshTokenRejection {
  ok: false;
  reason: "unknown" | "reused" | "other-client" | "revoked" | "expired";
  detail: string;
}

/** The public description of every {@link RefreshTokenRejection}, whatever its reason. */
export const INVALID_REFRESH_TOKEN = "The refresh token is invalid, expired or revoked.";

const rejected = (reason: RefreshTokenRejection["reason"], detail: string): RefreshTokenRejection => ({
  ok: false,
  reason,
  detail,
});

/**
 * Starts a refresh token family at a password exchange, bound to the user, client,
 * audience, granted scope and the rule's claims of that exchange.
 * @returns the refresh token (shown to the client once)
 */
export async function issueRefreshToken(deps: Deps, grant: Omit<TokenGrant, "grantType">): Promise<string> {
  const now = deps.clock.now();
  const token = newRefreshToken();
  await insertFamily(deps.db, {
    id: newId("rtf"),
    userId: grant.user.id,
    clientId: grant.client.clientId,
    audience: grant.api.identifier,
    scope: grant.scope.join(" "),
    accessTokenClaims: grant.accessTokenClaims,
    idTokenClaims: grant.idTokenClaims,
    authTime: grant.authTime,
    currentTokenHash: secretDigest(token),
    createdAt: now,
    lastUsedAt: null,
    idleExpiresAt: seconds(now, grant.api.refreshTokenIdleLifetime),
    absoluteExpiresAt: seconds(now, grant.api.refreshTokenLifetime),
    revokedAt: null,
    revokedReason: null,
  });
  return token;
}

/**
 * The live family of a presented refresh token, checked but not yet rotated. Presenting a
 * token that was already rotated away is reuse: the whole family is revoked (OAuth 2.0
 * Security BCP §4.14.2).
 * @returns the family, or why it cannot be redeemed (unknown, reused, revoked, expired or
 *   another client's token)
 */
export async function checkRefreshToken(
  deps: Deps,
  presented: string,
  client: ClientRow,
): Promise<{ ok: true; family: RefreshTokenFamilyRow } | RefreshTokenRejection> {
  const now = deps.clock.now();
  const presentedHash = secretDigest(presented);
  const family = await findFamilyByLiveHash(deps.db, presentedHash);
  if (!family) {
    const reused = await findFamilyByRetiredHash(deps.db, presentedHash);
    if (reused) {
      await revokeFamily(deps.db, reused.id, "reuse", now);
      return rejected("reused", "refresh token reuse: its family is revoked");
    }
    return rejected("unknown", "unknown refresh token");
  }
  if (family.clientId !== client.clientId) return rejected("other-client", "refresh token of another client");
  if (family.revokedAt) return rejected("revoked", `revoked refresh token (${family.revokedReason})`);
  if (family.absoluteExpiresAt <= now || family.idleExpiresAt <= now) {
    return rejected("expired", "expired refresh token");
  }
  return { ok: true, family };
}

/**
 * Rotates the family's live token: the presented one stops working and a new one is
 * returned. Losing the swap means the same token was used twice at once: reuse, and the
 * family is revoked (OAuth 2.0 Security BCP §4.14.2).
 * @returns the new refresh token, or the reuse rejection when the swap is lost
 */
export async function rotateFamilyToken(
  deps: Deps,
  family: RefreshTokenFamilyRow,
  presented: string,
  api: ResourceServerRow,
): Promise<{ ok: true; token: string } | RefreshTokenRejection> {
  const now = deps.clock.now();
  const presentedHash = secretDigest(presented);
  const token = newRefreshToken();
  const swapped = await swapLiveToken(deps.db, {
    familyId: family.id,
    presentedHash,
    newHash: secretDigest(token),
    now,
    idleExpiresAt: seconds(now, api.refreshTokenIdleLifetime),
  });
  if (!swapped) {
    await revokeFamily(deps.db, family.id, "reuse", now);
    return rejected("reused", "refresh token used twice at once: its family is revoked");
  }
  await retireToken(deps.db, presentedHash, family.id, now);
  return { ok: true, token };
}

/**
 * RFC 7009 revocation of a client's refresh token (live or rotated away): the whole
 * family goes. Unknown tokens and other clients' tokens change nothing.
 * @returns the revoked family's id, if one was revoked
 */
export async function revokeRefreshToken(
  deps: Deps,
  presented: string,
  client: ClientRow,
): Promise<string | undefined> {
  const presentedHash = secretDigest(presented);
  const family =
    (await findFamilyByLiveHash(deps.db, presentedHash)) ??
    (await findFamilyByRetiredHash(deps.db, presentedHash));
  if (!family || family.clientId !== client.clientId) return undefined;
  return (await revokeFamily(deps.db, family.id, "revoked by the client", deps.clock.now()))
    ? family.id
    : undefined;
}
