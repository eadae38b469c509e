import { Type as t } from "@sinclair/typebox";
import { acceptTotpStep, confirmRecoveryCode, findAuthenticator } from "../../db/mfa.ts";
import { getTenantSettings } from "../../db/tenant-settings.ts";
import { MFA_OTP } from "../../model/grant-types.ts";
import { openSealed } from "../../security/mfa-secret-box.ts";
import { totpStep } from "../../security/totp.ts";
import { InvalidGrant, ServerError, UnsupportedChallengeType } from "../errors.ts";
import { finishMfaExchange, recordMfaEvent, startMfaAttempt } from "../mfa/mfa-exchange.ts";
import { mfaSecretKey } from "../mfa/mfa-settings.ts";
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
 * Auth0's MFA OTP grant (`http://auth0.com/oauth/grant-type/mfa-otp`): the tokens of the
 * password exchange that answered `mfa_required`, for an RFC 6238 code of the user's
 * authenticator (README, "Multi-factor authentication"). The first code accepted completes
 * the enrollment; a code already accepted, or one of an earlier step, is refused.
 */
export async function mfaOtpGrant(context: ClientContext, params: MfaOtpGrantParams): Promise<TokenResponse> {
  const { deps } = context;
  const live = await startMfaAttempt(context, params.mfa_token);
  const { user } = live;
  const tenant = await getTenantSettings(deps.db);
  const factor = tenant?.otpEnabled ? await findAuthenticator(deps.db, user.id, "otp") : undefined;
  if (!factor?.secret) {
    throw new UnsupportedChallengeType("User is not enrolled.", "no otp enrollment, or the factor is off");
  }
  const key = await mfaSecretKey(deps);
  if (!key) throw new ServerError(undefined, "MFA_SECRET_KEY is not set in production");
  const now = deps.clock.now();
  const step = totpStep(openSealed(key, factor.secret, factor.id), params.otp.trim(), now);
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
