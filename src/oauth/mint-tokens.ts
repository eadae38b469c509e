import { type Static, Type as t } from "@sinclair/typebox";
import { SignJWT } from "jose";
import type { ClientRow, ResourceServerRow, UserRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { RuleOutcome } from "../rules/contract.ts";
import { randomSecret } from "../security/random-secret.ts";
import { mayGrantOfflineAccess } from "./resolve-scope.ts";

/** RFC 6749 §5.1 successful token response. */
export const TokenResponse = t.Object({
  access_token: t.String(),
  token_type: t.Literal("Bearer"),
  expires_in: t.Integer(),
  scope: t.String(),
  refresh_token: t.Optional(t.String()),
  id_token: t.Optional(t.String()),
});
export type TokenResponse = Static<typeof TokenResponse>;

/**
 * The final scope (SPEC §4): the rule's scope, with `offline_access` still subject to the
 * API's and client's permission. Refresh tokens are not issued yet, so `offline_access`
 * is not granted at all until they are.
 */
function finalScope(outcome: RuleOutcome, api: ResourceServerRow, client: ClientRow): string[] {
  const refreshTokensIssued = false;
  return [...new Set(outcome.scope)].filter(
    (scope) => scope !== "offline_access" || (refreshTokensIssued && mayGrantOfflineAccess(api, client)),
  );
}

/**
 * Signs the RFC 9068 access token (`typ: at+jwt`) with the API's algorithm. The rule's
 * claims come first, so the registered claims always win over them.
 */
export async function mintTokens(
  deps: Deps,
  grant: {
    user: UserRow;
    client: ClientRow;
    api: ResourceServerRow;
    outcome: RuleOutcome;
    grantType: "password";
  },
): Promise<TokenResponse> {
  const { user, client, api, outcome } = grant;
  const scope = finalScope(outcome, api, client);
  const issuedAt = Math.floor(deps.clock.now().getTime() / 1000);
  // OIDC: with `openid` the token is also good for the userinfo endpoint (Auth0 adds it to `aud`).
  const audience = scope.includes("openid")
    ? [api.identifier, `${deps.config.issuer}userinfo`]
    : api.identifier;
  const signingKey = await deps.keys.signingKey(api.signingAlg);
  const accessToken = await new SignJWT({
    ...outcome.accessTokenClaims,
    iss: deps.config.issuer,
    sub: user.id,
    aud: audience,
    iat: issuedAt,
    exp: issuedAt + api.tokenLifetime,
    jti: randomSecret(16),
    client_id: client.clientId,
    azp: client.clientId,
    scope: scope.join(" "),
    gty: grant.grantType,
  })
    .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: "at+jwt" })
    .sign(signingKey.key);
  return {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: api.tokenLifetime,
    scope: scope.join(" "),
  };
}
