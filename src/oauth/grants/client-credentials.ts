import { Type as t } from "@sinclair/typebox";
import { findGrantOfClient } from "../../db/client-grants.ts";
import type { ClientGrantRow, ResourceServerRow } from "../../db/schema.ts";
import { getTenantSettings } from "../../db/tenant-settings.ts";
import { timeStep } from "../../metrics/time-step.ts";
import type { CredentialsExchangeInput } from "../../rules/contract.ts";
import { AccessDenied, UnauthorizedClient } from "../errors.ts";
import { mintAccessToken, type TokenResponse } from "../mint-tokens.ts";
import { resolveAudience } from "../resolve-audience.ts";
import { parseScope } from "../resolve-scope.ts";
import { runCredentialsExchangeActions } from "../run-actions.ts";
import { runCredentialsExchangeRule } from "../run-rule.ts";
import type { ClientContext } from "../token-context.ts";
import { commonRuleInput } from "./rule-input.ts";

/** RFC 6749 §4.4.2 parameters, with Auth0's `audience` and RFC 8707 `resource`. */
export const ClientCredentialsGrantParams = t.Object({
  grant_type: t.Literal("client_credentials"),
  audience: t.Optional(t.String({ maxLength: 2048 })),
  resource: t.Optional(t.String({ maxLength: 2048 })),
  scope: t.Optional(t.String({ maxLength: 4096 })),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});
export type ClientCredentialsGrantParams = typeof ClientCredentialsGrantParams.static;

/**
 * The Client Credentials grant (RFC 6749 §4.4), once the token endpoint has authenticated the
 * client and checked it may use this grant: the API, the client's grant for it (Auth0's
 * client grants), the scope, the credentials-exchange rule, the access token — no refresh
 * token (§4.4.3) and no ID token. `sub` is `<client_id>@clients`, as Auth0's.
 */
export async function clientCredentialsGrant(
  context: ClientContext,
  params: ClientCredentialsGrantParams,
): Promise<TokenResponse> {
  const { deps, client } = context;
  const database = <T>(work: () => Promise<T>) => timeStep(deps.metrics, "database", work);
  // RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients."
  if (client.tokenEndpointAuthMethod === "none") {
    throw new UnauthorizedClient("A public client cannot use the client_credentials grant.");
  }
  const api = await database(() => clientGrantApi(context, params));
  context.api = api;
  const clientGrant = await database(() => findGrantOfClient(deps.db, client.clientId, api.identifier));
  if (!clientGrant) {
    throw new AccessDenied(
      `Client is not authorized to access "${api.identifier}". You need to create a "client-grant" associated to this API.`,
    );
  }
  const requestedScope = grantedScope(clientGrant, api, params.scope);
  // The credentials-exchange Actions, then the credentials-exchange rule, whose claims win.
  const actions = await runCredentialsExchangeActions(context, api, requestedScope);
  const outcome = await runCredentialsExchangeRule(
    deps,
    ruleInput(context, api, requestedScope),
    context.requestId,
  );
  const accessToken = await timeStep(deps.metrics, "signing", () =>
    mintAccessToken(deps, {
      subject: `${client.clientId}@clients`,
      client,
      api,
      audience: api.identifier,
      scope: outcome.scope,
      claims: { ...actions?.accessTokenClaims, ...outcome.accessTokenClaims },
      grantType: "client_credentials",
    }),
  );
  return {
    access_token: accessToken.token,
    token_type: "Bearer",
    expires_in: accessToken.expiresIn,
    scope: outcome.scope.join(" "),
  };
}

/**
 * The API the token is for (resolveAudience), the built-in Management API included. Unlike a
 * password exchange there is no userinfo fallback: a client's own token is only good for an API.
 * @throws AccessDenied (403, as Auth0) with no audience at all
 */
async function clientGrantApi(
  context: ClientContext,
  params: ClientCredentialsGrantParams,
): Promise<ResourceServerRow> {
  const { deps } = context;
  const { audience, resource } = params;
  const named = audience !== undefined || resource !== undefined;
  return resolveAudience(
    deps,
    {
      audience,
      resource,
      defaultAudience: named ? undefined : (await getTenantSettings(deps.db))?.defaultAudience,
    },
    {
      builtIns: deps.builtInApis,
      withoutAudience: () => {
        throw new AccessDenied(
          "No audience parameter was provided, and no default audience has been configured",
        );
      },
    },
  );
}

/**
 * The scope granted (Auth0's client credentials): the requested scopes, each of which the
 * client grant must hold, or with none requested every scope of the grant; scopes the API no
 * longer defines are never granted.
 * @throws InvalidScope for a malformed scope; AccessDenied (Auth0's answer) for a scope the
 *   client grant does not hold
 */
function grantedScope(
  clientGrant: ClientGrantRow,
  api: ResourceServerRow,
  requested: string | undefined,
): string[] {
  const defined = new Set(api.scopes.map((scope) => scope.value));
  const allowed = clientGrant.scope.filter((scope) => defined.has(scope));
  if (requested === undefined) return allowed;
  const wanted = parseScope(requested);
  const missing = wanted.filter((scope) => !allowed.includes(scope));
  if (missing.length > 0) throw new AccessDenied(`Client has not been granted scopes: ${missing.join(", ")}`);
  return wanted;
}

/** The credentials-exchange rule's arguments (README, "The credentials-exchange rule"): no user, only what every rule gets. */
function ruleInput(
  context: ClientContext,
  api: ResourceServerRow,
  scope: string[],
): CredentialsExchangeInput {
  return { trigger: "credentials-exchange", ...commonRuleInput(context, api, scope) };
}
