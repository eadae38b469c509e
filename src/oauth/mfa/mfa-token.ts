import { findMfaToken, insertMfaToken, listAuthenticators } from "../../db/mfa.ts";
import type { ClientRow, MfaTokenRow, TenantSettingsRow, UserRow } from "../../db/schema.ts";
import { findUserById } from "../../db/users.ts";
import type { Deps } from "../../deps.ts";
import { MFA_OTP, MFA_RECOVERY_CODE } from "../../model/grant-types.ts";
import { randomSecret } from "../../security/random-secret.ts";
import { secretDigest } from "../../security/secret-digest.ts";
import type { TokenGrant } from "../../tokens/token-grant.ts";
import { AccessDenied, ExpiredToken, InvalidGrant, MfaRequired, type OAuthError } from "../errors.ts";
import type { ClientContext } from "../token-context.ts";
import { MFA_TOKEN_LIFETIME_MS } from "./mfa-settings.ts";

/** Auth0's descriptions of an `mfa_token` that cannot be used. */
export const MALFORMED_MFA_TOKEN = "Malformed mfa_token";
export const EXPIRED_MFA_TOKEN = "mfa_token is expired";

/**
 * A password exchange that passed everything but its second factor (README, "Multi-factor
 * authentication"): keeps what its tokens will be made of behind a new `mfa_token`, for ten
 * minutes, and answers Auth0's 403 `mfa_required` with it. Refused (403) when the OTP factor
 * is off, or the client may not use the MFA grants: no token is granted without the factor
 * asked for.
 * @throws MfaRequired, or AccessDenied
 */
export async function requireSecondFactor(
  context: ClientContext,
  tenant: TenantSettingsRow | undefined,
  grant: Omit<TokenGrant, "grantType">,
): Promise<never> {
  const { deps } = context;
  if (!tenant?.otpEnabled) {
    throw new AccessDenied(
      "Multifactor authentication is required, and no factor is enabled.",
      "MFA was required but the otp factor is disabled (PUT /api/v2/guardian/factors/otp)",
    );
  }
  const { grantTypes } = grant.client;
  if (!grantTypes.includes(MFA_OTP) && !grantTypes.includes(MFA_RECOVERY_CODE)) {
    throw new AccessDenied(
      "Multifactor authentication is required, and this client is not allowed the MFA grants.",
      "the client's grant_types lack http://auth0.com/oauth/grant-type/mfa-otp",
    );
  }
  const now = deps.clock.now();
  const token = randomSecret(32);
  await insertMfaToken(deps.db, {
    tokenHash: secretDigest(token),
    userId: grant.user.id,
    clientId: grant.client.clientId,
    audience: grant.api.identifier,
    scope: grant.scope.join(" "),
    accessTokenClaims: grant.accessTokenClaims,
    idTokenClaims: grant.idTokenClaims,
    authTime: grant.authTime,
    attempts: 0,
    createdAt: now,
    expiresAt: new Date(now.getTime() + MFA_TOKEN_LIFETIME_MS),
    spentAt: null,
  });
  context.scope = grant.scope.join(" ");
  const factors = (await listAuthenticators(deps.db, grant.user.id)).filter((factor) => factor.confirmed);
  const usable = factors.filter((factor) => factor.type === "otp" || tenant.recoveryCodeEnabled);
  throw new MfaRequired(
    token,
    factors.some((factor) => factor.type === "otp")
      ? { challenge: usable.map((factor) => ({ type: factor.type })) }
      : { enroll: [{ type: "otp" }] },
  );
}

/** An `mfa_token` that may be used, with its user. */
export interface LiveMfaToken {
  row: MfaTokenRow;
  user: UserRow;
}

/**
 * The live `mfa_token` a request presents, with its user: Auth0's `invalid_grant`
 * "Malformed mfa_token" when it is unknown or another client's, `expired_token` when it
 * expired or was used; `invalid_grant` when its user is gone or blocked.
 * @param client the authenticated client, which must be the one the token was issued to; undefined where Auth0 takes the token alone (`/mfa/authenticators`, `/mfa/associate`)
 * @param refuse turns each refusal into the error the endpoint answers
 */
export async function liveMfaToken(
  deps: Deps,
  token: string | undefined,
  client: ClientRow | undefined,
  refuse: (error: OAuthError) => OAuthError = (error) => error,
): Promise<LiveMfaToken> {
  if (token === undefined) throw refuse(new InvalidGrant(MALFORMED_MFA_TOKEN, "no mfa_token"));
  const row = token.length > 512 ? undefined : await findMfaToken(deps.db, secretDigest(token));
  if (!row) throw refuse(new InvalidGrant(MALFORMED_MFA_TOKEN, "unknown mfa_token"));
  if (client && row.clientId !== client.clientId) {
    throw refuse(new InvalidGrant(MALFORMED_MFA_TOKEN, "the mfa_token was issued to another client"));
  }
  if (row.spentAt) throw refuse(new ExpiredToken(EXPIRED_MFA_TOKEN, "the mfa_token was used"));
  if (row.expiresAt.getTime() <= deps.clock.now().getTime()) {
    throw refuse(new ExpiredToken(EXPIRED_MFA_TOKEN, "the mfa_token expired"));
  }
  const user = await findUserById(deps.db, row.userId);
  if (!user) throw refuse(new InvalidGrant(MALFORMED_MFA_TOKEN, "the user is gone"));
  if (user.blocked) throw refuse(new InvalidGrant("user is blocked", "blocked user"));
  return { row, user };
}
