import { findPipeline } from "../db/auth0-rules.ts";
import type { ResourceServerRow, UserRow } from "../db/schema.ts";
import { updateUserMergingMetadata } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import type { LogEvent } from "../logs/event-log.ts";
import { ruleCallOutcome } from "../metrics/rule-pool-observer.ts";
import { timeStep } from "../metrics/time-step.ts";
import {
  DATABASE_CONNECTION,
  DATABASE_CONNECTION_ID,
  DATABASE_PROVIDER,
} from "../model/database-connection.ts";
import { USER_METADATA_BYTES } from "../model/metadata-limits.ts";
import type { PipelineInput, RuleLogLine } from "../rules/contract.ts";
import { GarbageResult } from "../rules/normalize-outcome.ts";
import { linesByRule, type PipelineOutcome, readPipelineResult } from "../rules/read-pipeline-result.ts";
import { pipelineScript } from "../rules/rule-version.ts";
import { auth0UserProfile } from "../tokens/user-profile.ts";
import { hiddenFromRules } from "./grants/rule-input.ts";
import { issuerUrl } from "./issuer-url.ts";
import {
  garbageResultError,
  multifactorRefusedError,
  ruleFailureError,
  rulesDeniedError,
} from "./rule-failure-error.ts";
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
  const { deps, requestId } = context;
  const pipeline = await timeStep(deps.metrics, "database", () => findPipeline(deps.db));
  if (!pipeline) return undefined;
  const input: PipelineInput = {
    trigger: "rules",
    user: auth0UserProfile(exchange.user),
    context: rulesContext(context, exchange),
    configuration: pipeline.configuration,
    auth0: { domain: new URL(deps.config.issuer).host, baseUrl: issuerUrl(deps.config.issuer, "api/v2") },
  };
  const about: Pick<LogEvent, "userId" | "userName" | "clientId" | "clientName" | "audience"> = {
    userId: exchange.user.id,
    userName: exchange.user.email,
    clientId: context.client.clientId,
    clientName: context.client.name,
    audience: exchange.api.identifier,
  };
  const record = (event: Pick<LogEvent, "type" | "description" | "details">) =>
    deps.events.record({
      ...event,
      ...about,
      requestId,
      ip: context.ip,
      userAgent: context.request.headers.get("user-agent"),
    });
  const lines: RuleLogLine[] = [];
  const execution = await timeStep(deps.metrics, "rule", () =>
    deps.rules.execute(pipelineScript(pipeline), input, requestId, (line) => void lines.push(line)),
  );
  if (execution.failure) {
    await recordLines(record, lines, []);
    deps.metrics.ruleCalls.inc({ outcome: ruleCallOutcome(execution.failure) });
    throw ruleFailureError(execution.failure, "rules");
  }
  let outcome: PipelineOutcome;
  try {
    outcome = readPipelineResult(execution.result, { privateClaimsAllowed: true });
  } catch (error) {
    await recordLines(record, lines, []);
    deps.metrics.ruleCalls.inc({ outcome: "error" });
    if (error instanceof GarbageResult) throw garbageResultError(error.message, "rules");
    throw error;
  }
  context.rules = outcome.rules;
  await recordLines(record, lines, outcome.rules);
  for (const warning of outcome.warnings) {
    deps.log.warn({ event: "rule_warning", request_id: requestId, rule: "rules", warning });
    await record({ type: "rule_warning", description: warning });
  }
  const user = await storeMetadata(deps, exchange.user, outcome, record);
  deps.metrics.ruleCalls.inc({ outcome: outcome.denied ? "denied" : "ok" });
  if (outcome.denied) throw rulesDeniedError(outcome.denied, outcome.rules.at(-1)?.name);
  if (outcome.multifactor) {
    // A rule asked for a second factor this server cannot ask for: never grant without it.
    deps.log.warn({ event: "rule_multifactor_refused", request_id: requestId });
    throw multifactorRefusedError();
  }
  return {
    user,
    ...(outcome.scope ? { scope: outcome.scope } : {}),
    accessTokenClaims: outcome.accessTokenClaims,
    idTokenClaims: outcome.idTokenClaims,
  };
}

/** The call's console lines as `rule_log` events, each naming the rule that wrote it. */
async function recordLines(
  record: (event: Pick<LogEvent, "type" | "description" | "details">) => Promise<void>,
  lines: RuleLogLine[],
  rules: PipelineOutcome["rules"],
): Promise<void> {
  for (const line of linesByRule(lines, rules)) {
    await record({
      type: "rule_log",
      description: line.text,
      details: { level: line.level, ...(line.rule === undefined ? {} : { rule: line.rule }) },
    });
  }
}

/**
 * Stores the metadata the rules wrote, merged into the stored objects as the Management API's
 * PATCH does; a merge over Auth0's size limit is not stored, and says so in the log.
 * @returns the user as stored now
 */
async function storeMetadata(
  deps: Deps,
  user: UserRow,
  outcome: PipelineOutcome,
  record: (event: Pick<LogEvent, "type" | "description" | "details">) => Promise<void>,
): Promise<UserRow> {
  const { appMetadata, userMetadata } = outcome.metadata;
  if (!appMetadata && !userMetadata) return user;
  const stored = await updateUserMergingMetadata(
    deps.db,
    user.id,
    { updatedAt: deps.clock.now() },
    { appMetadata, userMetadata },
    USER_METADATA_BYTES,
  );
  if (stored.tooLarge) {
    const warning = `the rules' ${stored.tooLarge} was not stored: larger than ${USER_METADATA_BYTES} bytes`;
    deps.log.warn({ event: "rule_warning", rule: "rules", warning });
    await record({ type: "rule_warning", description: warning });
  }
  return stored.user ?? user;
}
