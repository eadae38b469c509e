import { insertRevokedAccessToken, pruneRevokedAccessTokens } from "../db/revoked-access-tokens.ts";
import type { ClientRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { verifyAccessToken } from "./verify-access-token.ts";

/**
 * RFC 7009 revocation of an access token: one this server signed for `client`, still
 * valid, is remembered by its `jti` until it expires, so that introspection and userinfo
 * refuse it. Anything else (not a token of ours, expired, another client's: §2.1) changes
 * nothing. Expired entries are pruned on the way.
 * @returns the revoked token's `jti`, if one was revoked
 */
export async function revokeAccessToken(
  deps: Deps,
  presented: string,
  client: ClientRow,
): Promise<string | undefined> {
  const payload = await verifyAccessToken(deps, presented);
  if (!payload) return undefined;
  const { jti, exp, client_id: clientId } = payload;
  if (clientId !== client.clientId || typeof jti !== "string" || typeof exp !== "number") return undefined;
  const now = deps.clock.now();
  await pruneRevokedAccessTokens(deps.db, now);
  await insertRevokedAccessToken(deps.db, {
    jti,
    clientId: client.clientId,
    revokedAt: now,
    expiresAt: new Date(exp * 1000),
  });
  return jti;
}
