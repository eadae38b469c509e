import { findRule, readRuleSecrets } from "../db/rule.ts";
import type { Deps } from "../deps.ts";
import type { LogEvent } from "../logs/event-log.ts";
import { ruleCallOutcome } from "../metrics/rule-pool-observer.ts";
import { timeStep } from "../metrics/time-step.ts";
import type { RuleInput, RuleOutcome } from "../rules/contract.ts";
import { GarbageResult, normalizeOutcome } from "../rules/normalize-outcome.ts";
import { ruleScript } from "../rules/rule-version.ts";
import { garbageResultError, ruleFailureError } from "./rule-failure-error.ts";

/** The rule's result as claims and scope; a result that breaks the contract is a server_error. */
function readOutcome(result: unknown) {
  try {
    return normalizeOutcome(result);
  } catch (error) {
    if (error instanceof GarbageResult) throw garbageResultError(error.message);
    throw error;
  }
}

/**
 * Runs the password-exchange rule (README, "The password-exchange rule") after the user, client, audience and scope
 * are settled. With no rule, or a disabled one, the granted scope passes unchanged and
 * no claims are added. The rule's secrets are read here so the rule sees the current ones;
 * its console lines and warnings become log events of this request.
 */
export async function runRule(deps: Deps, input: RuleInput, requestId: string): Promise<RuleOutcome> {
  const rule = await findRule(deps.db);
  if (!rule?.enabled) return { scope: input.scope, accessTokenClaims: {}, idTokenClaims: {} };
  const secrets = await readRuleSecrets(deps.db);
  const about = {
    userId: input.user.id,
    userName: input.user.email,
    clientId: input.client.id,
    clientName: input.client.name,
    audience: input.audience,
  };
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
      ruleScript(rule.script, rule.updatedAt),
      { ...input, context: { ...input.context, webtask: { secrets } } },
      requestId,
      (line) => void record({ type: "rule_log", description: line.text, details: { level: line.level } }),
    ),
  );
  if (execution.failure) {
    deps.metrics.ruleCalls.inc({ outcome: ruleCallOutcome(execution.failure) });
    throw ruleFailureError(execution.failure);
  }
  let read: ReturnType<typeof readOutcome>;
  try {
    read = readOutcome(execution.result);
  } catch (error) {
    // A result that breaks the rule contract is the rule's error.
    deps.metrics.ruleCalls.inc({ outcome: "error" });
    throw error;
  }
  deps.metrics.ruleCalls.inc({ outcome: "ok" });
  const { outcome, warnings } = read;
  for (const warning of warnings) {
    deps.log.warn({ event: "rule_warning", request_id: requestId, warning });
    await record({ type: "rule_warning", description: warning });
  }
  return outcome;
}
