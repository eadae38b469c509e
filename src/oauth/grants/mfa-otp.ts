import { Type as t } from "@sinclair/typebox";
import { acceptTotpStep, confirmRecoveryCode, findAuthenticator } from "../../db/mfa.ts";
import type { TenantSettingsRow } from "../../db/schema.ts";
import { getTenantSettings } from "../../db/tenant-settings.ts";
import { MFA_OTP } from "../../model/grant-types.ts";
import { openSealedWithAny, SealedValueError } from "../../security/mfa-secret-box.ts";
import { totpStep } from "../../security/totp.ts";
import { InvalidGrant, ServerError, UnsupportedChallengeType } from "../errors.ts";
import { finishMfaExchange, recordMfaEvent, startMfaAttempt } from "../mfa/mfa-exchange.ts";
import { mfaOpeningKeys } from "../mfa/mfa-settings.ts";
import { liveMfaToken } from "../mfa/mfa-token.ts";
import type { TokenResponse } from "../mint-tokens.ts";
import type { ClientContext } from "../token-context.ts";

/** Auth0's description of a wrong, stale or replayed code. */
export const INVALID_OTP = "Invalid otp_code.";

/** Auth0's MFA OTP grant parameters: the `mfa_token` and the code, with the client's authentication. */
export const MfaOtpGrantParams = t.Object({
  grant_type: t.Literal(MFA_OTP),
  mfa_token: t.String({ maxLength: 512 }),
  otp: t.String({ maxLength: 64 }),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});
export type MfaOtpGrantParams = typeof MfaOtpGrantParams.static;

/**
 * The factor's TOTP secret, opened with the key it was sealed with. A secret no key given
 * opens (`MFA_SECRET_KEY` replaced or lost) cannot be checked: a 500 that counts no try,
 * logged with the key ids, until an admin resets the enrollment.
 */
async function openFactorSecret(
  context: ClientContext,
  tenant: TenantSettingsRow | undefined,
  id: string,
  sealed: string,
): Promise<string> {
  const { deps } = context;
  try {
    return openSealedWithAny(await mfaOpeningKeys(deps, tenant), sealed, id);
  } catch (error) {
    if (!(error instanceof SealedValueError)) throw error;
    deps.log.error({
      event: "mfa_secret_unreadable",
      request_id: context.requestId,
      authenticator: id,
      reason: error.message,
    });
    throw new ServerError(
      "The second factor cannot be checked; an administrator must reset the enrollment.",
      error.message,
    );
  }
}

/**
 * Auth0's MFA OTP grant (`http://auth0.com/oauth/grant-type/mfa-otp`): the tokens of the
 * password exchange that answered `mfa_required`, for an RFC 6238 code of the user's
 * authenticator (README, "Multi-factor authentication"). The first code accepted completes
 * the enrollment; a code already accepted, or one of an earlier step, is refused.
 */
export async function mfaOtpGrant(context: ClientContext, params: MfaOtpGrantParams): Promise<TokenResponse> {
  const { deps } = context;
  const live = await liveMfaToken(deps, params.mfa_token, context.client);
  const { user } = live;
  context.user = user;
  const tenant = await getTenantSettings(deps.db);
  const factor = tenant?.otpEnabled ? await findAuthenticator(deps.db, user.id, "otp") : undefined;
  if (!factor?.secret) {
    throw new UnsupportedChallengeType("User is not enrolled.", "no otp enrollment, or the factor is off");
  }
  const secret = await openFactorSecret(context, tenant, factor.id, factor.secret);
  await startMfaAttempt(context, live);
  const now = deps.clock.now();
  const step = totpStep(secret, params.otp.trim(), now);
  const accepted = step === undefined ? undefined : await acceptTotpStep(deps.db, factor.id, step, now);
  if (!accepted) {
    const reason = step === undefined ? "wrong code" : "code already used";
    await recordMfaEvent(context, user, "gd_auth_failed", "Wrong OTP", { reason });
    throw new InvalidGrant(INVALID_OTP, reason);
  }
  if (!accepted.wasConfirmed) {
    await confirmRecoveryCode(deps.db, user.id, now);
    await recordMfaEvent(context, user, "gd_enrollment_complete", "Guardian enrollment complete", {
      authenticator_type: "otp",
    });
  }
  await recordMfaEvent(context, user, "gd_auth_succeed", "OTP verified", { authenticator_type: "otp" });
  return await finishMfaExchange(context, live);
}
