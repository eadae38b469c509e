import { Type as t } from "@sinclair/typebox";
import { findResourceServerByIdentifier } from "../../db/resource-servers.ts";
import type { ClientRow, RefreshTokenFamilyRow, ResourceServerRow, UserRow } from "../../db/schema.ts";
import { findUserById } from "../../db/users.ts";
import type { Deps } from "../../deps.ts";
import { timeStep } from "../../metrics/time-step.ts";
import { refreshTokenPolicy } from "../../model/refresh-token-policy.ts";
import {
  checkRefreshToken,
  INVALID_REFRESH_TOKEN,
  type RedeemableFamily,
  type RefreshTokenRejection,
  redeemWithoutRotation,
  rotateFamilyToken,
} from "../../tokens/refresh-tokens.ts";
import { InvalidGrant, InvalidScope } from "../errors.ts";
import { mintTokens, type TokenResponse } from "../mint-tokens.ts";
import { parseScope } from "../resolve-scope.ts";
import { multifactorRefusedError } from "../rule-failure-error.ts";
import { runPostLoginActions } from "../run-actions.ts";
import { runRulesPipeline } from "../run-rules-pipeline.ts";
import type { ClientContext } from "../token-context.ts";

/** RFC 6749 §6 parameters. */
export const RefreshTokenGrantParams = t.Object({
  grant_type: t.Literal("refresh_token"),
  refresh_token: t.String({ maxLength: 512 }),
  scope: t.Optional(t.String({ maxLength: 4096 })),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});
export type RefreshTokenGrantParams = typeof RefreshTokenGrantParams.static;

/**
 * RFC 6749 §6: a new access token (and ID token with `openid`) from a refresh token, once
 * the token endpoint has authenticated the client: the token's family, its user and API,
 * the scope, Auth0's Rules and post-login Actions, the rotation, the tokens. They carry the claims of the original
 * exchange — the password-exchange rule does not run again, as with Auth0's hook — with the
 * claims the Rules and Actions add this time over them. The refresh token
 * rotates on every use (README, "Refresh tokens, ID tokens, userinfo, revocation"); within
 * the client's reuse leeway, the token it replaced redeems the family once more. A
 * non-rotating client (Auth0's `rotation_type: non-rotating`) keeps its refresh token, and
 * the answer has none, as Auth0's.
 */
export async function refreshTokenGrant(
  context: ClientContext,
  params: RefreshTokenGrantParams,
): Promise<TokenResponse> {
  const { deps, client } = context;
  const database = <T>(work: () => Promise<T>) => timeStep(deps.metrics, "database", work);
  const checked = redeemable(await database(() => checkRefreshToken(deps, params.refresh_token, client)));
  const family = checked.family;
  context.family = family;
  const user = await database(() => usableUser(deps, family));
  context.user = user;
  const api = await database(() => familyApi(deps, family));
  context.api = api;
  const granted = family.scope.split(" ").filter(Boolean);
  const narrowed = narrowScope(granted, params.scope);
  // Auth0's Rules run again (`context.protocol` is `oauth2-refresh-token`), before the token
  // is redeemed, so a denial leaves it usable; they never widen what was granted.
  const rules = await runRulesPipeline(context, {
    user,
    api,
    scope: narrowed,
    protocol: "oauth2-refresh-token",
    authTime: family.authTime,
  });
  const afterRules = rules?.scope ?? narrowed;
  // Then the post-login Actions, as Auth0 runs them on a refresh (`event.refresh_token`).
  const actions = await runPostLoginActions(
    context,
    {
      user: rules?.user ?? user,
      api,
      scope: afterRules,
      protocol: "oauth2-refresh-token",
      authTime: family.authTime,
    },
    family,
  );
  // A session that passed a second factor is not asked again (Auth0's); one that did not
  // cannot pass one on a refresh, so a rule or action asking for it refuses the refresh.
  if ((rules?.multifactor || actions?.multifactor) && !family.amr.includes("mfa")) {
    deps.log.warn({ event: "refresh_multifactor_refused", request_id: context.requestId });
    throw multifactorRefusedError();
  }
  const scope = (actions?.scope ?? afterRules).filter((name) => granted.includes(name));
  const refreshToken = await database(() => redeem(deps, checked, client, api));
  return timeStep(deps.metrics, "signing", () =>
    mintTokens(
      deps,
      {
        user: actions?.user ?? rules?.user ?? user,
        client,
        api,
        scope,
        accessTokenClaims: {
          ...family.accessTokenClaims,
          ...rules?.accessTokenClaims,
          ...actions?.accessTokenClaims,
        },
        idTokenClaims: { ...family.idTokenClaims, ...rules?.idTokenClaims, ...actions?.idTokenClaims },
        grantType: "refresh_token",
        authTime: family.authTime,
        amr: family.amr,
      },
      refreshToken,
    ),
  );
}

/**
 * RFC 6749 §5.2: a refresh token that cannot be redeemed (unknown, reused, another client's,
 * revoked, expired) is `invalid_grant`, the same answer whatever the reason; the reason
 * goes to the log.
 * @throws InvalidGrant
 */
function redeemable<Result extends { ok: true }>(checked: Result | RefreshTokenRejection): Result {
  if (!checked.ok) throw new InvalidGrant(INVALID_REFRESH_TOKEN, checked.detail);
  return checked;
}

/**
 * Redeems the checked family: rotates its token (the new one is returned), or, for a
 * non-rotating client, keeps it (nothing is returned).
 * @throws InvalidGrant when the family cannot be redeemed after all
 */
async function redeem(
  deps: Deps,
  checked: RedeemableFamily,
  client: ClientRow,
  api: ResourceServerRow,
): Promise<string | undefined> {
  if (refreshTokenPolicy(client, api).rotating) {
    return redeemable(await rotateFamilyToken(deps, checked, client, api)).token;
  }
  redeemable(await redeemWithoutRotation(deps, checked, client, api));
  return undefined;
}

/**
 * The family's user, who must still exist and not be blocked (README: "Blocked or deleted
 * users … cannot refresh").
 * @throws InvalidGrant
 */
async function usableUser(deps: Deps, family: RefreshTokenFamilyRow): Promise<UserRow> {
  const user = await findUserById(deps.db, family.userId);
  if (!user) throw new InvalidGrant(INVALID_REFRESH_TOKEN, "the user is gone");
  if (user.blocked) throw new InvalidGrant("user is blocked", "blocked user");
  return user;
}

/**
 * The API the family's tokens are for, which must still exist.
 * @throws InvalidGrant
 */
async function familyApi(deps: Deps, family: RefreshTokenFamilyRow): Promise<ResourceServerRow> {
  const api = await findResourceServerByIdentifier(deps.db, family.audience);
  if (!api) throw new InvalidGrant(INVALID_REFRESH_TOKEN, "the API is gone");
  return api;
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
