import { Type as t } from "@sinclair/typebox";
import { findResourceServerByIdentifier } from "../../db/resource-servers.ts";
import { findUserById } from "../../db/users.ts";
import { findRedeemableFamily, rotateRefreshToken } from "../../tokens/refresh-tokens.ts";
import { assertGrantAllowed } from "../assert-grant-allowed.ts";
import { authenticateClient } from "../authenticate-client.ts";
import { InvalidGrant, InvalidScope, withAudit } from "../errors.ts";
import { mintTokens } from "../mint-tokens.ts";
import { resolveClientIp } from "../resolve-client-ip.ts";
import { parseScope } from "../resolve-scope.ts";
import { validateParams } from "../validate-params.ts";
import type { GrantContext, GrantResult } from "./grant.ts";

/** RFC 6749 §6 parameters. */
export const RefreshTokenGrantParams = t.Object({
  grant_type: t.Literal("refresh_token"),
  refresh_token: t.String({ maxLength: 512 }),
  scope: t.Optional(t.String({ maxLength: 4096 })),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});

/**
 * RFC 6749 §6: a new access token (and ID token with `openid`) from a refresh token,
 * carrying the claims of the original exchange — the rule does not run again, as with
 * Auth0's password-exchange hook. The refresh token rotates on every use.
 */
export async function refreshTokenGrant({ deps, request, params }: GrantContext): Promise<GrantResult> {
  const client = await authenticateClient(deps, request, params);
  const ip = resolveClientIp(deps.config, request, client);
  try {
    assertGrantAllowed(client, "refresh_token");
    const { refresh_token: presented, scope } = validateParams(RefreshTokenGrantParams, params);
    const family = await findRedeemableFamily(deps, presented, client);
    const audit = { userId: family.userId, audience: family.audience, scope: family.scope };
    try {
      const user = await findUserById(deps.db, family.userId);
      if (!user)
        throw new InvalidGrant("The refresh token is invalid, expired or revoked.", "the user is gone");
      if (user.blocked) throw new InvalidGrant("user is blocked", "blocked user");
      const api = await findResourceServerByIdentifier(deps.db, family.audience);
      if (!api)
        throw new InvalidGrant("The refresh token is invalid, expired or revoked.", "the API is gone");
      const grantedScope = narrowScope(family.scope.split(" ").filter(Boolean), scope);
      const refreshToken = await rotateRefreshToken(deps, family, presented, api);
      const tokens = await mintTokens(
        deps,
        {
          user,
          client,
          api,
          scope: grantedScope,
          accessTokenClaims: family.accessTokenClaims,
          idTokenClaims: family.idTokenClaims,
          grantType: "refresh_token",
          authTime: family.authTime,
        },
        refreshToken,
      );
      return { tokens, audit: { ...audit, ip, userName: user.email, scope: tokens.scope } };
    } catch (error) {
      throw withAudit(error, audit);
    }
  } catch (error) {
    throw withAudit(error, { clientId: client.clientId, clientName: client.name, ip });
  }
}

/**
 * RFC 6749 §6: the requested scope "MUST NOT include any scope not originally granted";
 * omitted, it is the original scope.
 * @throws InvalidScope when the request widens the scope
 */
function narrowScope(original: string[], requested: string | undefined): string[] {
  if (requested === undefined) return original;
  const narrowed = parseScope(requested);
  const extra = narrowed.filter((scope) => !original.includes(scope));
  if (extra.length > 0) throw new InvalidScope(`The scope exceeds what was granted: ${extra.join(" ")}`);
  return narrowed;
}
