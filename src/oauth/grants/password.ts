import { Type as t } from "@sinclair/typebox";
import type { ResourceServerRow, UserRow } from "../../db/schema.ts";
import { getTenantSettings } from "../../db/tenant-settings.ts";
import { normalizeEmail, recordLogin } from "../../db/users.ts";
import { timeStep } from "../../metrics/time-step.ts";
import type { RuleInput } from "../../rules/contract.ts";
import { issueRefreshToken } from "../../tokens/refresh-tokens.ts";
import { authenticateUser, loginRefused } from "../authenticate-user.ts";
import { bruteForceSettings, withBruteForceProtection } from "../brute-force.ts";
import { policyAlwaysAsks } from "../mfa/mfa-settings.ts";
import { requireSecondFactor } from "../mfa/mfa-token.ts";
import { mintTokens, type TokenResponse } from "../mint-tokens.ts";
import { resolveAudience } from "../resolve-audience.ts";
import { resolveScope, scopeAfterRule } from "../resolve-scope.ts";
import { runPostLoginActions } from "../run-actions.ts";
import { runRule } from "../run-rule.ts";
import { runRulesPipeline } from "../run-rules-pipeline.ts";
import type { ClientContext } from "../token-context.ts";
import { commonRuleInput } from "./rule-input.ts";

/** RFC 6749 §4.3.2 parameters, with Auth0's `audience` and RFC 8707 `resource`; lengths bound every input. */
export const PasswordGrantParams = t.Object({
  grant_type: t.Literal("password"),
  username: t.String({ maxLength: 512 }),
  password: t.String({ maxLength: 1024 }),
  audience: t.Optional(t.String({ maxLength: 2048 })),
  resource: t.Optional(t.String({ maxLength: 2048 })),
  scope: t.Optional(t.String({ maxLength: 4096 })),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});
export type PasswordGrantParams = typeof PasswordGrantParams.static;

/**
 * The Resource Owner Password Credentials grant (RFC 6749 §4.3.2), once the token endpoint
 * has authenticated the client, resolved the end user's IP, checked the client may use this
 * grant and validated the parameters: the user (behind Auth0's brute-force protection), the
 * API, the scope, Auth0's Rules, the post-login Actions and the password-exchange rule, then
 * the tokens, or Auth0's `mfa_required` when the login needs a second factor.
 */
export async function passwordGrant(
  context: ClientContext,
  params: PasswordGrantParams,
): Promise<TokenResponse> {
  const { deps, client } = context;
  const database = <T>(work: () => Promise<T>) => timeStep(deps.metrics, "database", work);
  const tenant = await database(() => getTenantSettings(deps.db));
  const bruteForce = bruteForceSettings(tenant);
  const login = normalizeEmail(params.username);

  const attempt = await withBruteForceProtection(deps, bruteForce, { login, ip: context.ip, client }, () =>
    authenticateUser(deps, params.username, params.password),
  );
  context.user = attempt.user;
  if (attempt.failure) throw loginRefused(attempt.failure);
  const authTime = deps.clock.now();
  const loggedIn = (await recordLogin(deps.db, attempt.user.id, context.ip, authTime)) ?? attempt.user;

  const api = await database(() =>
    resolveAudience(deps, {
      audience: params.audience,
      resource: params.resource,
      defaultAudience: tenant?.defaultAudience,
    }),
  );
  context.api = api;
  const requestedScope = resolveScope(api, client, params.scope);
  // Auth0's Rules first, in order.
  const rules = await runRulesPipeline(context, {
    user: loggedIn,
    api,
    scope: requestedScope,
    protocol: "oauth2-password",
    authTime,
  });
  const afterRules = rules?.scope ?? requestedScope;
  // Then the post-login Actions, then the password-exchange rule, whose claims win.
  const actions = await runPostLoginActions(context, {
    user: rules?.user ?? loggedIn,
    api,
    scope: afterRules,
    protocol: "oauth2-password",
    authTime,
  });
  const user = actions?.user ?? rules?.user ?? loggedIn;
  const outcome = await runRule(
    deps,
    ruleInput(context, user, api, actions?.scope ?? afterRules),
    context.requestId,
  );
  const scope = scopeAfterRule(outcome.scope, api, client);

  const grant = {
    user,
    client,
    api,
    scope,
    accessTokenClaims: {
      ...rules?.accessTokenClaims,
      ...actions?.accessTokenClaims,
      ...outcome.accessTokenClaims,
    },
    idTokenClaims: { ...rules?.idTokenClaims, ...actions?.idTokenClaims, ...outcome.idTokenClaims },
    authTime,
  };
  // A second factor, when the tenant's policy, a rule or an action asks for one: no token
  // yet, Auth0's `mfa_required` and the `mfa_token` that finishes this exchange.
  if (policyAlwaysAsks(tenant) || rules?.multifactor || actions?.multifactor) {
    await requireSecondFactor(context, tenant, grant);
  }
  const refreshToken = scope.includes("offline_access")
    ? await database(() => issueRefreshToken(deps, grant))
    : undefined;
  return timeStep(deps.metrics, "signing", () =>
    mintTokens(deps, { ...grant, grantType: "password" }, refreshToken),
  );
}

/** The password-exchange rule's arguments (README, "The password-exchange rule"): the user, then what every rule gets. */
function ruleInput(
  context: ClientContext,
  user: UserRow,
  api: ResourceServerRow,
  scope: string[],
): RuleInput {
  const tenant = context.deps.config.tenant;
  return {
    user: {
      tenant,
      id: user.id,
      displayName: user.name,
      email: user.email,
      user_metadata: user.userMetadata,
      app_metadata: user.appMetadata,
    },
    ...commonRuleInput(context, api, scope),
  };
}
