import type { RuleFailure } from "../rules/contract.ts";
import type { RulePoolObserver } from "../rules/pool.ts";
import type { Metrics, RuleCallOutcome } from "./metrics.ts";

/** The rule pool's reports as metrics: host restarts by reason, and queue rejections. */
export const rulePoolObserver = (metrics: Metrics): RulePoolObserver => ({
  hostReplaced: (reason) => metrics.ruleHostRestarts.inc({ reason }),
  callRejected: () => metrics.ruleQueueRejections.inc(),
});

/** A rule call's outcome label: the rule's own denial, or why the pool ended it (a crash or a full queue is `error`). */
export function ruleCallOutcome(failure: RuleFailure | undefined): RuleCallOutcome {
  if (!failure) return "ok";
  if (failure.kind === "crashed" || failure.kind === "busy") return "error";
  return failure.kind;
}
