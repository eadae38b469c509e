import { type Static, Type as t } from "@sinclair/typebox";
import { SignJWT } from "jose";
import type { Deps } from "../deps.ts";
import { randomSecret } from "../security/random-secret.ts";
import type { TokenGrant } from "../tokens/token-grant.ts";
import { userinfoUrl } from "./issuer-url.ts";
import { standardClaims } from "./standard-claims.ts";

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

/** ID tokens live ten hours, Auth0's default. */
export const ID_TOKEN_LIFETIME = 36_000;

/**
 * Signs the RFC 9068 access token (`typ: at+jwt`) and, with `openid`, the OpenID Connect
 * ID token (`aud` = client_id): the access token with the API's algorithm, the ID token with
 * the client's `id_token_signed_response_alg` (OpenID Connect Registration §2, RS256 unless
 * the client names another), whatever the API uses: the client verifies it, not the API.
 * The rule's claims come first, so registered and standard claims always win over them.
 */
export async function mintTokens(
  deps: Deps,
  grant: TokenGrant,
  refreshToken?: string,
): Promise<TokenResponse> {
  const { user, client, api, scope } = grant;
  const issuer = deps.config.issuer;
  const issuedAt = Math.floor(deps.clock.now().getTime() / 1000);
  const openid = scope.includes("openid");
  // OIDC: with `openid` the token is also good for the userinfo endpoint (Auth0 adds it to
  // `aud`), unless the userinfo endpoint is already the token's only audience.
  const userinfo = userinfoUrl(issuer);
  const audience = openid && api.identifier !== userinfo ? [api.identifier, userinfo] : api.identifier;
  const signingKey = await deps.keys.signingKey(api.signingAlg);
  const accessToken = await new SignJWT({
    ...grant.accessTokenClaims,
    iss: issuer,
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
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: api.tokenLifetime,
    scope: scope.join(" "),
  };
  if (refreshToken) response.refresh_token = refreshToken;
  if (openid) {
    const idTokenKey = await deps.keys.signingKey(client.idTokenSignedResponseAlg);
    response.id_token = await new SignJWT({
      ...grant.idTokenClaims,
      ...standardClaims(user, scope),
      iss: issuer,
      sub: user.id,
      aud: client.clientId,
      iat: issuedAt,
      exp: issuedAt + ID_TOKEN_LIFETIME,
      auth_time: Math.floor(grant.authTime.getTime() / 1000),
    })
      .setProtectedHeader({ alg: idTokenKey.alg, kid: idTokenKey.kid, typ: "JWT" })
      .sign(idTokenKey.key);
  }
  return response;
}
