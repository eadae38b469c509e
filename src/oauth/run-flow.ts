import type { UserRow } from "../db/schema.ts";
import { updateUserMergingMetadata } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import type { LogEvent } from "../logs/event-log.ts";
import { ruleCallOutcome } from "../metrics/rule-pool-observer.ts";
import { timeStep } from "../metrics/time-step.ts";
import { USER_METADATA_BYTES } from "../model/metadata-limits.ts";
import type { AnyRuleInput, RuleId, RuleLogLine, RuleScript } from "../rules/contract.ts";
import { GarbageResult } from "../rules/normalize-outcome.ts";
import { linesByRule, type PipelineOutcome, readPipelineResult } from "../rules/read-pipeline-result.ts";
import { garbageResultError, ruleFailureError } from "./rule-failure-error.ts";
import type { ClientContext } from "./token-context.ts";

/** Who a flow's log events are about. */
export type FlowAbout = Pick<LogEvent, "userId" | "userName" | "clientId" | "clientName" | "audience">;

/** Records one of a flow's log events with the request's fields. */
export type RecordFlowEvent = (event: Pick<LogEvent, "type" | "description" | "details">) => Promise<void>;

/**
 * Runs one call of Auth0 extension code that runs as a whole (the Rules pipeline, a trigger's
 * Actions) and reads its answer: console lines become `rule_log` events naming the rule or
 * action that wrote them (`details[part]`), warnings `rule_warning` events, the call is
 * counted. A denial is returned, not thrown: the metadata written before it is the caller's
 * to store first.
 * @throws the RFC 6749 error of a failed call (rule-failure-error.ts) or of an answer that breaks the contract
 */
export async function runFlow(
  context: ClientContext,
  flow: {
    ruleId: RuleId;
    script: RuleScript;
    input: AnyRuleInput;
    about: FlowAbout;
    /** What each part of the flow is called in the log: `rule` or `action`. */
    part: "rule" | "action";
    privateClaimsAllowed: boolean;
  },
): Promise<{ outcome: PipelineOutcome; record: RecordFlowEvent }> {
  const { deps, requestId } = context;
  const record: RecordFlowEvent = (event) =>
    deps.events.record({
      ...event,
      ...flow.about,
      requestId,
      ip: context.ip,
      userAgent: context.request.headers.get("user-agent"),
    });
  const lines: RuleLogLine[] = [];
  const recordLines = async (parts: PipelineOutcome["rules"]) => {
    for (const line of linesByRule(lines, parts)) {
      await record({
        type: "rule_log",
        description: line.text,
        details: { level: line.level, ...(line.rule === undefined ? {} : { [flow.part]: line.rule }) },
      });
    }
  };
  const execution = await timeStep(deps.metrics, "rule", () =>
    deps.rules.execute(flow.script, flow.input, requestId, (line) => void lines.push(line)),
  );
  if (execution.failure) {
    await recordLines([]);
    deps.metrics.ruleCalls.inc({ outcome: ruleCallOutcome(execution.failure) });
    throw ruleFailureError(execution.failure, flow.ruleId);
  }
  let outcome: PipelineOutcome;
  try {
    outcome = readPipelineResult(execution.result, { privateClaimsAllowed: flow.privateClaimsAllowed });
  } catch (error) {
    await recordLines([]);
    deps.metrics.ruleCalls.inc({ outcome: "error" });
    if (error instanceof GarbageResult) throw garbageResultError(error.message, flow.ruleId);
    throw error;
  }
  await recordLines(outcome.rules);
  for (const warning of outcome.warnings) {
    deps.log.warn({ event: "rule_warning", request_id: requestId, rule: flow.ruleId, warning });
    await record({ type: "rule_warning", description: warning });
  }
  deps.metrics.ruleCalls.inc({ outcome: outcome.denied ? "denied" : "ok" });
  return { outcome, record };
}

/**
 * Stores the metadata a flow wrote, merged into the stored objects as the Management API's
 * PATCH does; a merge over Auth0's size limit is not stored, and says so in the log.
 * @returns the user as stored now
 */
export async function storeFlowMetadata(
  deps: Deps,
  user: UserRow,
  outcome: PipelineOutcome,
  record: RecordFlowEvent,
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
    const warning = `the ${stored.tooLarge} written was not stored: larger than ${USER_METADATA_BYTES} bytes`;
    deps.log.warn({ event: "rule_warning", warning });
    await record({ type: "rule_warning", description: warning });
  }
  return stored.user ?? user;
}
