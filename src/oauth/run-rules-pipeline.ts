import { findPipeline } from "../db/auth0-rules.ts";
import type { ResourceServerRow, UserRow } from "../db/schema.ts";
import { timeStep } from "../metrics/time-step.ts";
import {
  DATABASE_CONNECTION,
  DATABASE_CONNECTION_ID,
  DATABASE_PROVIDER,
} from "../model/database-connection.ts";
import { RULES_PIPELINE } from "../model/rule-ids.ts";
import type { PipelineInput } from "../rules/contract.ts";
import { pipelineScript } from "../rules/rule-version.ts";
import { auth0UserProfile } from "../tokens/user-profile.ts";
import { hiddenFromRules } from "./grants/rule-input.ts";
import { issuerUrl } from "./issuer-url.ts";
import { rulesDeniedError } from "./rule-failure-error.ts";
import { runFlow, storeFlowMetadata } from "./run-flow.ts";
import type { ClientContext } from "./token-context.ts";

/** Auth0's `context.protocol` of the exchanges the Rules run on. */
export type RulesProtocol = "oauth2-password" | "oauth2-refresh-token";

/** What a password or refresh exchange has settled when its Rules run. */
export interface RulesExchange {
  user: UserRow;
  api: ResourceServerRow;
  /** The scope requested (and allowed) so far. */
  scope: string[];
  protocol: RulesProtocol;
  /** When the user authenticated with the password (a refresh's original login). */
  authTime: Date;
}

/** What the Rules decided, once they ran and the metadata they wrote is stored. */
export interface RulesResult {
  /** The user as stored after the rules' metadata writes. */
  user: UserRow;
  /** The scope a rule set on `context.accessToken.scope`, if one did. */
  scope?: string[];
  accessTokenClaims: Record<string, unknown>;
  idTokenClaims: Record<string, unknown>;
  /** Whether a rule set `context.multifactor` (an action called `api.multifactor.enable`): this login needs a second factor. */
  multifactor: boolean;
}

/**
 * Auth0's `context` of a rule on a password or refresh exchange (Auth0, "Context Object
 * Properties in Rules"): the tenant, the client, the database connection, the protocol, the
 * request without its credentials, the login's statistics and method, and the empty
 * `accessToken` and `idToken` objects the rules add claims to.
 */
function rulesContext(context: ClientContext, exchange: RulesExchange): Record<string, unknown> {
  const { deps, request, client, params } = context;
  const url = new URL(request.url);
  return {
    tenant: deps.config.tenant,
    clientID: client.clientId,
    clientName: client.name,
    clientMetadata: client.clientMetadata,
    connection: DATABASE_CONNECTION,
    connectionID: DATABASE_CONNECTION_ID,
    connectionStrategy: DATABASE_PROVIDER,
    protocol: exchange.protocol,
    request: {
      ip: context.ip,
      userAgent: request.headers.get("user-agent") ?? "",
      hostname: url.hostname,
      query: Object.fromEntries(url.searchParams),
      body: hiddenFromRules(params),
    },
    stats: { loginsCount: exchange.user.loginsCount },
    authentication: { methods: [{ name: "pwd", timestamp: exchange.authTime.getTime() }] },
    authorization: { roles: [] },
    sso: { with_auth0: false, with_dbconn: false },
    accessToken: {},
    idToken: {},
  };
}

/**
 * Runs the enabled Auth0 Rules, in order, on a password, password-realm or refresh-token
 * exchange (README, "Moving your Auth0 Rules"), in the rule hosts of the pipeline's current
 * version. The metadata they wrote through `auth0.users` is stored when they end, also when
 * a rule denies; their console lines become log events naming the rule, and each rule's time
 * goes into the exchange's own event.
 * @returns what the rules decided, or undefined when no rule is enabled
 * @throws the RFC 6749 error of a denial (`access_denied` with the rule's message), a
 *   failed call (rule-failure-error.ts) or a result that breaks the contract
 */
export async function runRulesPipeline(
  context: ClientContext,
  exchange: RulesExchange,
): Promise<RulesResult | undefined> {
  const { deps } = context;
  const pipeline = await timeStep(deps.metrics, "database", () => findPipeline(deps.db));
  if (!pipeline) return undefined;
  const input: PipelineInput = {
    trigger: "rules",
    user: auth0UserProfile(exchange.user),
    context: rulesContext(context, exchange),
    configuration: pipeline.configuration,
    auth0: { domain: new URL(deps.config.issuer).host, baseUrl: issuerUrl(deps.config.issuer, "api/v2") },
  };
  const { outcome, record } = await runFlow(context, {
    ruleId: RULES_PIPELINE,
    script: pipelineScript(pipeline),
    input,
    about: {
      userId: exchange.user.id,
      userName: exchange.user.email,
      clientId: context.client.clientId,
      clientName: context.client.name,
      audience: exchange.api.identifier,
    },
    part: "rule",
    privateClaimsAllowed: true,
  });
  context.rules = outcome.rules;
  const user = await storeFlowMetadata(deps, exchange.user, outcome, record);
  if (outcome.denied) throw rulesDeniedError(outcome.denied, outcome.rules.at(-1)?.name);
  return {
    user,
    ...(outcome.scope ? { scope: outcome.scope } : {}),
    accessTokenClaims: outcome.accessTokenClaims,
    idTokenClaims: outcome.idTokenClaims,
    multifactor: outcome.multifactor,
  };
}
