import { type Static, Type as t } from "@sinclair/typebox";
import { SignJWT } from "jose";
import type { ClientRow, ResourceServerRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { type GrantType, MFA_OTP, MFA_RECOVERY_CODE, PASSWORD_REALM } from "../model/grant-types.ts";
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
  /** Auth0's MFA recovery-code grant: the user's new recovery code, the one used being spent. */
  recovery_code: t.Optional(t.String()),
});
export type TokenResponse = Static<typeof TokenResponse>;

/** ID tokens live ten hours, Auth0's default. */
export const ID_TOKEN_LIFETIME = 36_000;

/** The `gty` claim of each grant's access tokens, as Auth0 writes it. */
const GTY: Record<GrantType, string> = {
  password: "password",
  [PASSWORD_REALM]: "password",
  refresh_token: "refresh_token",
  client_credentials: "client-credentials",
  // The second factor finishes a password exchange: its tokens are the password exchange's.
  [MFA_OTP]: "password",
  [MFA_RECOVERY_CODE]: "password",
};

/** What one access token is made of. */
export interface AccessTokenGrant {
  /** `sub`: the user's id, or `<client_id>@clients` for a client's own token (Auth0's). */
  subject: string;
  client: ClientRow;
  api: ResourceServerRow;
  /** `aud`: the API, and the userinfo endpoint too when `openid` was granted. */
  audience: string | string[];
  scope: string[];
  /** The rule's claims; registered and standard claims always win over them. */
  claims: Record<string, unknown>;
  grantType: GrantType;
}

/**
 * Signs an RFC 9068 access token (`typ: at+jwt`) with the API's algorithm and lifetime.
 * @returns the token and its lifetime in seconds
 */
export async function mintAccessToken(
  deps: Deps,
  grant: AccessTokenGrant,
): Promise<{ token: string; expiresIn: number }> {
  const { client, api, scope } = grant;
  const issuedAt = Math.floor(deps.clock.now().getTime() / 1000);
  const signingKey = await deps.keys.signingKey(api.signingAlg, deps.db);
  const token = await new SignJWT({
    ...grant.claims,
    iss: deps.config.issuer,
    sub: grant.subject,
    aud: grant.audience,
    iat: issuedAt,
    exp: issuedAt + api.tokenLifetime,
    jti: randomSecret(16),
    client_id: client.clientId,
    azp: client.clientId,
    scope: scope.join(" "),
    gty: GTY[grant.grantType],
  })
    .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: "at+jwt" })
    .sign(signingKey.key);
  return { token, expiresIn: api.tokenLifetime };
}

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
  // RFC 9068 §2.2.1 and OpenID Connect Core §2: how the user authenticated, when a second
  // factor was part of it (RFC 8176 `mfa`); after the claims rules added, so it always holds.
  const amr = grant.amr?.length ? { amr: grant.amr } : {};
  const issuedAt = Math.floor(deps.clock.now().getTime() / 1000);
  const openid = scope.includes("openid");
  // OIDC: with `openid` the token is also good for the userinfo endpoint (Auth0 adds it to
  // `aud`), unless the userinfo endpoint is already the token's only audience.
  const userinfo = userinfoUrl(issuer);
  const audience = openid && api.identifier !== userinfo ? [api.identifier, userinfo] : api.identifier;
  const accessToken = await mintAccessToken(deps, {
    subject: user.id,
    client,
    api,
    audience,
    scope,
    claims: { ...grant.accessTokenClaims, ...amr },
    grantType: grant.grantType,
  });
  const response: TokenResponse = {
    access_token: accessToken.token,
    token_type: "Bearer",
    expires_in: accessToken.expiresIn,
    scope: scope.join(" "),
  };
  if (refreshToken) response.refresh_token = refreshToken;
  if (openid) {
    const idTokenKey = await deps.keys.signingKey(client.idTokenSignedResponseAlg, deps.db);
    response.id_token = await new SignJWT({
      ...grant.idTokenClaims,
      ...standardClaims(user, scope),
      ...amr,
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
