import { Type as t } from "@sinclair/typebox";
import { findAuthenticator, replaceRecoveryCode } from "../../db/mfa.ts";
import { getTenantSettings } from "../../db/tenant-settings.ts";
import { MFA_RECOVERY_CODE } from "../../model/grant-types.ts";
import { constantTimeEqual } from "../../security/constant-time-equal.ts";
import { newRecoveryCode, recoveryCodeDigest } from "../../security/recovery-code.ts";
import { InvalidGrant, UnsupportedChallengeType } from "../errors.ts";
import { finishMfaExchange, recordMfaEvent, startMfaAttempt } from "../mfa/mfa-exchange.ts";
import { liveMfaToken } from "../mfa/mfa-token.ts";
import type { TokenResponse } from "../mint-tokens.ts";
import type { ClientContext } from "../token-context.ts";

/** Auth0's MFA recovery-code grant parameters. */
export const MfaRecoveryCodeGrantParams = t.Object({
  grant_type: t.Literal(MFA_RECOVERY_CODE),
  mfa_token: t.String({ maxLength: 512 }),
  recovery_code: t.String({ maxLength: 128 }),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});
export type MfaRecoveryCodeGrantParams = typeof MfaRecoveryCodeGrantParams.static;

/**
 * Auth0's MFA recovery-code grant (`http://auth0.com/oauth/grant-type/mfa-recovery-code`):
 * the tokens of the password exchange that answered `mfa_required`, for the user's recovery
 * code, which is spent: the answer carries the new one (`recovery_code`), as Auth0's.
 */
export async function mfaRecoveryCodeGrant(
  context: ClientContext,
  params: MfaRecoveryCodeGrantParams,
): Promise<TokenResponse> {
  const { deps } = context;
  const live = await liveMfaToken(deps, params.mfa_token, context.client);
  const { user } = live;
  context.user = user;
  const tenant = await getTenantSettings(deps.db);
  if (!tenant?.recoveryCodeEnabled) {
    throw new UnsupportedChallengeType("Recovery codes are not enabled.", "the recovery-code factor is off");
  }
  await startMfaAttempt(context, live);
  const presented = recoveryCodeDigest(params.recovery_code);
  const stored = await findAuthenticator(deps.db, user.id, "recovery-code");
  if (!stored?.confirmed || !stored.codeHash || !constantTimeEqual(presented, stored.codeHash)) {
    await recordMfaEvent(context, user, "gd_recovery_failed", "Wrong recovery code");
    throw new InvalidGrant("Invalid recovery_code.", "wrong or spent recovery code");
  }
  // The token is spent before the code is replaced: a code is never replaced by one that is
  // not handed out, and of two requests with the same code, one gets the new one.
  const next = newRecoveryCode();
  const tokens = await finishMfaExchange(context, live, async () => {
    const replaced = await replaceRecoveryCode(
      deps.db,
      user.id,
      presented,
      recoveryCodeDigest(next),
      deps.clock.now(),
    );
    if (!replaced)
      throw new InvalidGrant("Invalid recovery_code.", "the recovery code was used by a parallel request");
  });
  await recordMfaEvent(context, user, "gd_recovery_succeed", "Recovery code accepted");
  return { ...tokens, recovery_code: next };
}
