import { findRuleWithSecrets } from "../db/rule.ts";
import type { Deps } from "../deps.ts";
import type { LogEvent } from "../logs/event-log.ts";
import { ruleCallOutcome } from "../metrics/rule-pool-observer.ts";
import { timeStep } from "../metrics/time-step.ts";
import type {
  CredentialsExchangeInput,
  HookInput,
  RuleId,
  RuleInput,
  RuleOutcome,
} from "../rules/contract.ts";
import {
  type CredentialsExchangeOutcome,
  GarbageResult,
  normalizeCredentialsExchangeOutcome,
  normalizeOutcome,
} from "../rules/normalize-outcome.ts";
import { ruleScript } from "../rules/rule-version.ts";
import { garbageResultError, ruleFailureError } from "./rule-failure-error.ts";

/** Who a rule call is about, for its log events. */
type CallAbout = Pick<LogEvent, "userId" | "userName" | "clientId" | "clientName" | "audience">;

/** A rule's reading of its result: the outcome and the warnings about what it dropped. */
type Reader<Outcome> = (result: unknown) => { outcome: Outcome; warnings: string[] };

/**
 * Runs the rule `ruleId` if it is deployed and enabled, after the grant has settled who and
 * what the token is for. The rule's secrets are read here so the rule sees the current ones;
 * its console lines and warnings become log events of this request.
 * @returns the rule's outcome, or `undefined` with no rule (or a disabled one)
 * @throws the RFC 6749 error a failed or refused call maps onto (rule-failure-error.ts)
 */
async function executeRule<Outcome>(
  deps: Deps,
  ruleId: RuleId,
  input: HookInput,
  about: CallAbout,
  requestId: string,
  read: Reader<Outcome>,
): Promise<Outcome | undefined> {
  const found = await findRuleWithSecrets(deps.db, ruleId);
  if (!found?.rule.enabled) return undefined;
  const { rule, secrets } = found;
  const record = (event: Pick<LogEvent, "type" | "description" | "details">) =>
    deps.events.record({
      ...event,
      ...about,
      requestId,
      ip: input.context.ip,
      userAgent: input.context.userAgent,
    });
  const execution = await timeStep(deps.metrics, "rule", () =>
    deps.rules.execute(
      ruleScript(rule.script, rule.updatedAt, ruleId),
      { ...input, context: { ...input.context, webtask: { secrets } } },
      requestId,
      (line) => void record({ type: "rule_log", description: line.text, details: { level: line.level } }),
    ),
  );
  if (execution.failure) {
    deps.metrics.ruleCalls.inc({ outcome: ruleCallOutcome(execution.failure) });
    throw ruleFailureError(execution.failure, ruleId);
  }
  let reading: ReturnType<Reader<Outcome>>;
  try {
    reading = read(execution.result);
  } catch (error) {
    // A result that breaks the rule contract is the rule's error.
    deps.metrics.ruleCalls.inc({ outcome: "error" });
    if (error instanceof GarbageResult) throw garbageResultError(error.message, ruleId);
    throw error;
  }
  deps.metrics.ruleCalls.inc({ outcome: "ok" });
  for (const warning of reading.warnings) {
    deps.log.warn({ event: "rule_warning", request_id: requestId, rule: ruleId, warning });
    await record({ type: "rule_warning", description: warning });
  }
  return reading.outcome;
}

/**
 * Runs the password-exchange rule (README, "The password-exchange rule") after the user,
 * client, audience and scope are settled. With no rule, or a disabled one, the granted scope
 * passes unchanged and no claims are added.
 */
export async function runRule(deps: Deps, input: RuleInput, requestId: string): Promise<RuleOutcome> {
  const about = {
    userId: input.user.id,
    userName: input.user.email,
    clientId: input.client.id,
    clientName: input.client.name,
    audience: input.audience,
  };
  const outcome = await executeRule(deps, "password-exchange", input, about, requestId, normalizeOutcome);
  return outcome ?? { scope: input.scope, accessTokenClaims: {}, idTokenClaims: {} };
}

/**
 * Runs the credentials-exchange rule (README, "The credentials-exchange rule") on a client
 * credentials exchange, once the client, API and scope are settled. With no rule, or a
 * disabled one, the scope passes unchanged and no claims are added; a rule that returns no
 * `scope` keeps the scope too.
 */
export async function runCredentialsExchangeRule(
  deps: Deps,
  input: CredentialsExchangeInput,
  requestId: string,
): Promise<{ scope: string[]; accessTokenClaims: Record<string, unknown> }> {
  const about = { clientId: input.client.id, clientName: input.client.name, audience: input.audience };
  const outcome: CredentialsExchangeOutcome | undefined = await executeRule(
    deps,
    "credentials-exchange",
    input,
    about,
    requestId,
    normalizeCredentialsExchangeOutcome,
  );
  return {
    scope: outcome?.scope ?? input.scope,
    accessTokenClaims: outcome?.accessTokenClaims ?? {},
  };
}
