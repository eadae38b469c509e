import {
  findFamily,
  findFamilyByLiveHash,
  findFamilyByRetiredHash,
  findRetiredToken,
  insertFamily,
  retireToken,
  revokeFamily,
  swapLiveToken,
  touchFamily,
} from "../db/refresh-tokens.ts";
import type { ClientRow, RefreshTokenFamilyRow, ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { expiryAfter, refreshTokenPolicy } from "../model/refresh-token-policy.ts";
import { newId } from "../security/new-id.ts";
import { randomSecret } from "../security/random-secret.ts";
import { secretDigest } from "../security/secret-digest.ts";
import type { TokenGrant } from "./token-grant.ts";

/** Opaque, 256 bits of randomness; only its SHA-256 digest is stored. */
const newRefreshToken = () => `rt_${randomSecret(32)}`;

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
 * audience, granted scope and the rule's claims of that exchange; its lifetimes are the
 * client's refresh-token policy for the API (src/model/refresh-token-policy.ts).
 * @returns the refresh token (shown to the client once)
 */
export async function issueRefreshToken(deps: Deps, grant: Omit<TokenGrant, "grantType">): Promise<string> {
  const now = deps.clock.now();
  const token = newRefreshToken();
  const policy = refreshTokenPolicy(grant.client, grant.api);
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
    idleExpiresAt: expiryAfter(now, policy.idleLifetime),
    absoluteExpiresAt: expiryAfter(now, policy.absoluteLifetime),
    revokedAt: null,
    revokedReason: null,
    amr: grant.amr ?? [],
  });
  return token;
}

/**
 * A family that may be rotated, and the digest its live token must still have for the
 * rotation to win: the presented token's, or, for a token presented again within the
 * client's leeway, the family's live token at the time of the check.
 */
export interface RedeemableFamily {
  ok: true;
  family: RefreshTokenFamilyRow;
  liveHash: string;
}

/**
 * Whether a token rotated away at `retiredAt` is still within the client's reuse leeway. A
 * concurrent rotation (another request, or another node) may have retired it after this
 * request read `now`: that counts as no time elapsed, so a zero leeway never graces it.
 */
const withinLeeway = (client: ClientRow, retiredAt: Date, now: Date) =>
  Math.max(0, now.getTime() - retiredAt.getTime()) < client.refreshTokenLeeway * 1000;

const isExpired = (family: RefreshTokenFamilyRow, now: Date) =>
  family.absoluteExpiresAt <= now || family.idleExpiresAt <= now;

/** Rotation attempts when concurrent refreshes within the leeway keep winning the swap first. */
const MAX_ROTATION_ATTEMPTS = 5;

/**
 * The live family of a presented refresh token, checked but not yet rotated. Presenting a
 * token that was already rotated away is reuse and revokes the whole family (OAuth 2.0
 * Security BCP §4.14.2), unless it was rotated away less than the client's
 * `refreshTokenLeeway` seconds ago: then it redeems the family's current state, as Auth0's
 * `refresh_token.leeway` does.
 * @returns the family, or why it cannot be redeemed (unknown, reused, revoked, expired or
 *   another client's token)
 */
export async function checkRefreshToken(
  deps: Deps,
  presented: string,
  client: ClientRow,
): Promise<RedeemableFamily | RefreshTokenRejection> {
  const now = deps.clock.now();
  const presentedHash = secretDigest(presented);
  let family = await findFamilyByLiveHash(deps.db, presentedHash);
  if (!family) {
    const retired = await findRetiredToken(deps.db, presentedHash);
    if (!retired) return rejected("unknown", "unknown refresh token");
    const graced =
      retired.family.clientId === client.clientId && withinLeeway(client, retired.retiredAt, now);
    if (!graced) {
      await revokeFamily(deps.db, retired.family.id, "reuse", now);
      return rejected("reused", "refresh token reuse: its family is revoked");
    }
    family = retired.family;
  }
  if (family.clientId !== client.clientId) return rejected("other-client", "refresh token of another client");
  if (family.revokedAt) return rejected("revoked", `revoked refresh token (${family.revokedReason})`);
  if (isExpired(family, now)) return rejected("expired", "expired refresh token");
  return { ok: true, family, liveHash: family.currentTokenHash };
}

/**
 * Rotates the family's live token: it stops working and a new one is returned, so a family
 * never holds two live tokens. Losing the swap means the same token was used twice at once:
 * reuse, and the family is revoked (OAuth 2.0 Security BCP §4.14.2) — unless the client has a
 * reuse leeway, in which case this request rotates the family's new live token in turn.
 * @returns the new refresh token, or why the family cannot be rotated
 */
export async function rotateFamilyToken(
  deps: Deps,
  redeemable: RedeemableFamily,
  client: ClientRow,
  api: ResourceServerRow,
): Promise<{ ok: true; token: string } | RefreshTokenRejection> {
  const now = deps.clock.now();
  let { family, liveHash } = redeemable;
  for (let attempt = 1; ; attempt++) {
    const token = newRefreshToken();
    // Retired first, swapped second: a process killed in between leaves the presented token
    // both live and retired (still redeemable, live is looked up first), never neither.
    await retireToken(deps.db, liveHash, family.id, now);
    const swapped = await swapLiveToken(deps.db, {
      familyId: family.id,
      presentedHash: liveHash,
      newHash: secretDigest(token),
      now,
      idleExpiresAt: expiryAfter(now, refreshTokenPolicy(client, api).idleLifetime),
    });
    if (swapped) return { ok: true, token };
    if (client.refreshTokenLeeway === 0 || attempt >= MAX_ROTATION_ATTEMPTS) {
      await revokeFamily(deps.db, family.id, "reuse", now);
      return rejected("reused", "refresh token used twice at once: its family is revoked");
    }
    const current = await findFamily(deps.db, family.id);
    if (!current || current.revokedAt) return rejected("revoked", "refresh token family revoked meanwhile");
    if (isExpired(current, now)) return rejected("expired", "expired refresh token");
    family = current;
    liveHash = current.currentTokenHash;
  }
}

/**
 * Redeems a non-rotating client's refresh token (Auth0's `rotation_type: non-rotating`):
 * the token stays the family's live token and keeps working; only its idle expiry moves.
 * @returns whether it could be redeemed (not revoked or expired meanwhile)
 */
export async function redeemWithoutRotation(
  deps: Deps,
  redeemable: RedeemableFamily,
  client: ClientRow,
  api: ResourceServerRow,
): Promise<{ ok: true } | RefreshTokenRejection> {
  const now = deps.clock.now();
  const touched = await touchFamily(deps.db, {
    familyId: redeemable.family.id,
    liveHash: redeemable.liveHash,
    now,
    idleExpiresAt: expiryAfter(now, refreshTokenPolicy(client, api).idleLifetime),
  });
  return touched ? { ok: true } : rejected("revoked", "refresh token family revoked or expired meanwhile");
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
