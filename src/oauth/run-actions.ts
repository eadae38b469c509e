import { findFlow } from "../db/actions.ts";
import type { RefreshTokenFamilyRow, ResourceServerRow } from "../db/schema.ts";
import { timeStep } from "../metrics/time-step.ts";
import {
  DATABASE_CONNECTION,
  DATABASE_CONNECTION_ID,
  DATABASE_PROVIDER,
} from "../model/database-connection.ts";
import { ACTION_TRIGGERS, type ActionTriggerId } from "../model/rule-ids.ts";
import { flowScript } from "../rules/actions-flow.ts";
import { auth0UserProfile } from "../tokens/user-profile.ts";
import { InvalidRequest, InvalidScope, type OAuthError, ServerError } from "./errors.ts";
import { hiddenFromRules } from "./grants/rule-input.ts";
import { rulesDeniedError } from "./rule-failure-error.ts";
import { type FlowAbout, runFlow, storeFlowMetadata } from "./run-flow.ts";
import type { RulesExchange, RulesResult } from "./run-rules-pipeline.ts";
import type { ClientContext } from "./token-context.ts";

/**
 * Auth0's `event.request` of an Action (Auth0, "Event object" of the post-login and
 * credentials-exchange triggers): the end user's IP, the user agent, the host, the method,
 * the token request's parameters without its credentials, the query, the language asked for.
 */
function actionRequest(context: ClientContext) {
  const { request, params } = context;
  const url = new URL(request.url);
  const language = request.headers.get("accept-language")?.split(",")[0]?.split(";")[0]?.trim();
  return {
    ip: context.ip,
    user_agent: request.headers.get("user-agent") ?? "",
    hostname: url.hostname,
    method: request.method,
    body: hiddenFromRules(params),
    query: Object.fromEntries(url.searchParams),
    ...(language ? { language } : {}),
  };
}

/** Auth0's `event.client` of an Action. */
const actionClient = (context: ClientContext) => ({
  client_id: context.client.clientId,
  name: context.client.name,
  metadata: context.client.clientMetadata,
});

/**
 * Runs a trigger's bound, deployed Actions as one call (src/rules/actions-flow.ts): each
 * bound action in binding order, with its own secrets. The event is built only then: most
 * exchanges have no action to run.
 * @returns what they did, or undefined when nothing deployed is bound to the trigger
 */
async function runTrigger(
  context: ClientContext,
  trigger: ActionTriggerId,
  event: () => Record<string, unknown>,
  about: FlowAbout,
  privateClaimsAllowed: boolean,
) {
  const { deps } = context;
  const flow = await timeStep(deps.metrics, "database", () => findFlow(deps.db, trigger));
  if (!flow) return undefined;
  const ran = await runFlow(context, {
    ruleId: ACTION_TRIGGERS[trigger],
    script: flowScript(trigger, flow),
    input: { trigger: "actions", event: event(), secrets: flow.actions.map((action) => action.secrets) },
    about,
    part: "action",
    privateClaimsAllowed,
  });
  context.actions = ran.outcome.rules;
  return ran;
}

/**
 * Runs the post-login Actions (README, "Moving your Auth0 Actions") on a password,
 * password-realm or refresh-token exchange, after Auth0's Rules and before the
 * password-exchange rule. The metadata they set through `api.user` is stored when they end,
 * also when one denies; `api.access.deny` is 403 `access_denied` with its reason.
 * @param refreshToken the refresh token's family, on a refresh (Auth0's `event.refresh_token`)
 * @returns what the actions decided, or undefined when none is bound
 */
export async function runPostLoginActions(
  context: ClientContext,
  exchange: RulesExchange,
  refreshToken?: RefreshTokenFamilyRow,
): Promise<RulesResult | undefined> {
  const { deps, client } = context;
  const { user, api } = exchange;
  const event = () => ({
    user: auth0UserProfile(user),
    client: actionClient(context),
    connection: {
      id: DATABASE_CONNECTION_ID,
      name: DATABASE_CONNECTION,
      strategy: DATABASE_PROVIDER,
      metadata: {},
    },
    request: actionRequest(context),
    transaction: { id: context.requestId, protocol: exchange.protocol, requested_scopes: exchange.scope },
    resource_server: { identifier: api.identifier },
    authentication: { methods: [{ name: "pwd", timestamp: exchange.authTime.toISOString() }] },
    authorization: { roles: [] },
    stats: { logins_count: user.loginsCount },
    tenant: { id: deps.config.tenant },
    ...(refreshToken
      ? {
          refresh_token: {
            id: refreshToken.id,
            client_id: refreshToken.clientId,
            user_id: refreshToken.userId,
            created_at: refreshToken.createdAt.toISOString(),
            expires_at: refreshToken.absoluteExpiresAt.toISOString(),
            idle_expires_at: refreshToken.idleExpiresAt.toISOString(),
            ...(refreshToken.lastUsedAt ? { last_exchanged_at: refreshToken.lastUsedAt.toISOString() } : {}),
            resource_servers: [{ audience: refreshToken.audience, scopes: refreshToken.scope }],
          },
        }
      : {}),
  });
  const about = {
    userId: user.id,
    userName: user.email,
    clientId: client.clientId,
    clientName: client.name,
    audience: api.identifier,
  };
  const ran = await runTrigger(context, "post-login", event, about, true);
  if (!ran) return undefined;
  const { outcome, record } = ran;
  const stored = await storeFlowMetadata(deps, user, outcome, record);
  if (outcome.denied) throw rulesDeniedError(outcome.denied, outcome.rules.at(-1)?.name, "action");
  return {
    user: stored,
    // The scope after `api.accessToken.addScope` / `removeScope`, when an action called them.
    ...(outcome.scope ? { scope: outcome.scope } : {}),
    accessTokenClaims: outcome.accessTokenClaims,
    idTokenClaims: outcome.idTokenClaims,
    multifactor: outcome.multifactor,
  };
}

/**
 * Auth0's `api.access.deny(code, reason)` of a credentials-exchange action as an RFC 6749
 * §5.2 error: `invalid_scope`, `invalid_request`, `server_error` (Auth0's codes); any other
 * code is the action's mistake, a `server_error` too.
 */
function credentialsExchangeDenial(denied: { code?: string; message: string }): OAuthError {
  switch (denied.code) {
    case "invalid_scope":
      return new InvalidScope(denied.message || "The scope was refused.");
    case "invalid_request":
      return new InvalidRequest(denied.message || "The request was refused.", "an action denied");
    case "server_error":
      return new ServerError(denied.message || "The actions failed.", "an action denied with server_error");
    default:
      return new ServerError(
        "The actions failed.",
        `an action denied with ${denied.code === undefined ? "an error" : `the unknown code ${JSON.stringify(denied.code)}`}: ${denied.message}`,
      );
  }
}

/**
 * Runs the credentials-exchange Actions (README, "Moving your Auth0 Actions") on a client
 * credentials exchange, once the client, API and scope are settled, before the
 * credentials-exchange rule.
 * @returns the access token's claims the actions set, or undefined when none is bound
 */
export async function runCredentialsExchangeActions(
  context: ClientContext,
  api: ResourceServerRow,
  scope: string[],
): Promise<{ accessTokenClaims: Record<string, unknown> } | undefined> {
  const { deps, client } = context;
  const event = () => ({
    client: actionClient(context),
    request: actionRequest(context),
    resource_server: { identifier: api.identifier },
    transaction: { requested_scopes: scope },
    tenant: { id: deps.config.tenant },
  });
  const about = { clientId: client.clientId, clientName: client.name, audience: api.identifier };
  const management = deps.builtInApis.some((builtIn) => builtIn.identifier === api.identifier);
  const ran = await runTrigger(context, "credentials-exchange", event, about, !management);
  if (!ran) return undefined;
  if (ran.outcome.denied) {
    if (ran.outcome.denied.name !== "deny") {
      throw rulesDeniedError(ran.outcome.denied, ran.outcome.rules.at(-1)?.name, "action");
    }
    throw credentialsExchangeDenial(ran.outcome.denied);
  }
  return { accessTokenClaims: ran.outcome.accessTokenClaims };
}
