import {
  clearUserMfaAttempts,
  findMfaToken,
  reserveMfaTokenAttempt,
  reserveUserMfaAttempt,
  spendMfaToken,
} from "../../db/mfa.ts";
import { findResourceServerByIdentifier } from "../../db/resource-servers.ts";
import type { LogType } from "../../logs/event-log.ts";
import { timeStep } from "../../metrics/time-step.ts";
import { issueRefreshToken } from "../../tokens/refresh-tokens.ts";
import { ExpiredToken, InvalidGrant, TooManyAttempts } from "../errors.ts";
import { mintTokens, type TokenResponse } from "../mint-tokens.ts";
import type { ClientContext } from "../token-context.ts";
import { MFA_TOKEN_MAX_ATTEMPTS, USER_ATTEMPT_WINDOW_MS, USER_MAX_ATTEMPTS } from "./mfa-settings.ts";
import { EXPIRED_MFA_TOKEN, type LiveMfaToken, liveMfaToken, MALFORMED_MFA_TOKEN } from "./mfa-token.ts";

/** Records one of the second factor's log events (Auth0's `gd_*`) about the token's user and client. */
export async function recordMfaEvent(
  context: ClientContext,
  user: { id: string; email: string },
  type: LogType,
  description: string,
  details?: Record<string, unknown>,
): Promise<void> {
  await context.deps.events.record({
    type,
    description,
    requestId: context.requestId,
    ip: context.ip,
    userAgent: context.request.headers.get("user-agent"),
    clientId: context.client.clientId,
    clientName: context.client.name,
    userId: user.id,
    userName: user.email,
    ...(details ? { details } : {}),
  });
}

/**
 * The start of an MFA grant, once its `mfa_token` was found live ({@link liveMfaToken}, the
 * client's) and the factor can be checked: one try counted for the token and one for the
 * user, each in one statement before the factor is checked, so that a parallel burst gets no
 * more tries than the limits (README, "Multi-factor authentication"). Past a limit: Auth0's
 * 429 `too_many_attempts` and its `gd_otp_rate_limit_exceed` event.
 * @throws InvalidGrant, ExpiredToken or TooManyAttempts
 */
export async function startMfaAttempt(context: ClientContext, live: LiveMfaToken): Promise<LiveMfaToken> {
  const { deps } = context;
  const now = deps.clock.now();
  const rateLimited = async (detail: string) => {
    await recordMfaEvent(context, live.user, "gd_otp_rate_limit_exceed", "Too many failed attempts", {
      reason: detail,
    });
    return new TooManyAttempts("Too many failed attempts. Try again later.", detail);
  };
  if (!(await reserveMfaTokenAttempt(deps.db, live.row.tokenHash, now, MFA_TOKEN_MAX_ATTEMPTS))) {
    // Out of tries, or spent or expired meanwhile by a parallel request: the row as it is now says which.
    const current = await findMfaToken(deps.db, live.row.tokenHash);
    const usable = current && !current.spentAt && current.expiresAt > now;
    if (usable && current.attempts >= MFA_TOKEN_MAX_ATTEMPTS) {
      throw await rateLimited(`the mfa_token had ${MFA_TOKEN_MAX_ATTEMPTS} tries`);
    }
    throw new ExpiredToken(EXPIRED_MFA_TOKEN, "the mfa_token could not be reserved");
  }
  const granted = await reserveUserMfaAttempt(
    deps.db,
    live.user.id,
    now,
    USER_ATTEMPT_WINDOW_MS,
    USER_MAX_ATTEMPTS,
  );
  if (!granted) throw await rateLimited(`the user had ${USER_MAX_ATTEMPTS} tries in the window`);
  return live;
}

/**
 * The end of an MFA grant whose factor passed: spends the `mfa_token` (of parallel
 * successes one wins), clears the user's tries, and issues the tokens the password exchange
 * would have issued, with `amr: ["mfa"]`, and a refresh token when `offline_access` was
 * granted (its refreshes keep `amr` and do not ask again).
 * @param afterSpent what the grant does once the token is spent and before any token is issued
 * @throws ExpiredToken when the token was spent meanwhile; InvalidGrant when its API is gone
 */
export async function finishMfaExchange(
  context: ClientContext,
  live: LiveMfaToken,
  afterSpent?: () => Promise<void>,
): Promise<TokenResponse> {
  const { deps, client } = context;
  const database = <T>(work: () => Promise<T>) => timeStep(deps.metrics, "database", work);
  const { row, user } = live;
  const api = await database(() => findResourceServerByIdentifier(deps.db, row.audience));
  if (!api) throw new InvalidGrant(MALFORMED_MFA_TOKEN, "the mfa_token's API is gone");
  context.api = api;
  if (!(await database(() => spendMfaToken(deps.db, row.tokenHash, deps.clock.now())))) {
    throw new ExpiredToken(EXPIRED_MFA_TOKEN, "the mfa_token was used by a parallel request");
  }
  await afterSpent?.();
  await database(() => clearUserMfaAttempts(deps.db, user.id));
  const scope = row.scope.split(" ").filter(Boolean);
  context.scope = row.scope;
  const grant = {
    user,
    client,
    api,
    scope,
    accessTokenClaims: row.accessTokenClaims,
    idTokenClaims: row.idTokenClaims,
    authTime: row.authTime,
    amr: ["mfa"],
  };
  const refreshToken = scope.includes("offline_access")
    ? await database(() => issueRefreshToken(deps, grant))
    : undefined;
  return timeStep(deps.metrics, "signing", () =>
    mintTokens(deps, { ...grant, grantType: "password" }, refreshToken),
  );
}
