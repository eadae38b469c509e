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
import { newId } from "../management/ids.ts";
import { InvalidGrant } from "../oauth/errors.ts";
import type { TokenGrant } from "../oauth/mint-tokens.ts";
import { randomSecret } from "../security/random-secret.ts";
import { secretDigest } from "../security/secret-digest.ts";

/** Opaque, 256 bits of randomness; only its SHA-256 digest is stored. */
const newRefreshToken = () => `rt_${randomSecret(32)}`;
const UNKNOWN = "The refresh token is invalid, expired or revoked.";
const seconds = (date: Date, count: number) => new Date(date.getTime() + count * 1000);

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
 * @throws InvalidGrant for unknown, reused, revoked, expired or another client's tokens
 */
export async function findRedeemableFamily(
  deps: Deps,
  presented: string,
  client: ClientRow,
): Promise<RefreshTokenFamilyRow> {
  const now = deps.clock.now();
  const presentedHash = secretDigest(presented);
  const family = await findFamilyByLiveHash(deps.db, presentedHash);
  if (!family) {
    const reused = await findFamilyByRetiredHash(deps.db, presentedHash);
    if (reused) {
      await revokeFamily(deps.db, reused.id, "reuse", now);
      throw new InvalidGrant(UNKNOWN, "refresh token reuse: its family is revoked");
    }
    throw new InvalidGrant(UNKNOWN, "unknown refresh token");
  }
  if (family.clientId !== client.clientId) throw new InvalidGrant(UNKNOWN, "refresh token of another client");
  if (family.revokedAt) throw new InvalidGrant(UNKNOWN, `revoked refresh token (${family.revokedReason})`);
  if (family.absoluteExpiresAt <= now || family.idleExpiresAt <= now) {
    throw new InvalidGrant(UNKNOWN, "expired refresh token");
  }
  return family;
}

/**
 * Rotates the family's live token: the presented one stops working and a new one is
 * returned. Losing the swap means the same token was used twice at once: reuse.
 * @throws InvalidGrant when the swap is lost
 */
export async function rotateRefreshToken(
  deps: Deps,
  family: RefreshTokenFamilyRow,
  presented: string,
  api: ResourceServerRow,
): Promise<string> {
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
    throw new InvalidGrant(UNKNOWN, "refresh token used twice at once: its family is revoked");
  }
  await retireToken(deps.db, presentedHash, family.id, now);
  return token;
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
