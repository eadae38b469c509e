/**
 * Auth0's Actions as a rule host runs them: the deployed versions bound to one trigger,
 * compiled together into one module (each action's code the body of a function of
 * `(module, exports)`, as the password-exchange rule's is), which exports the prelude's flow
 * over them (`__rulegate.actions`, src/rules/context-prelude.ts).
 */
import { ACTION_TRIGGERS, type ActionTriggerId } from "../model/rule-ids.ts";
import type { RuleScript } from "./contract.ts";
import type { RulePool } from "./pool.ts";
import { deployedScript } from "./rule-version.ts";

/** One action of a flow: its name (the binding's display name) and its code. */
export interface FlowActionSource {
  name: string;
  code: string;
}

/**
 * The module of a trigger's flow. Every action's code was checked at deploy
 * (src/rules/check-rule-source.ts `forbiddenSyntax`: it stays inside the function it is
 * wrapped in), and starts on a line of its own.
 */
export function actionsSource(trigger: ActionTriggerId, actions: readonly FlowActionSource[]): string {
  const entries = actions.map(
    ({ name, code }) => `[${JSON.stringify(name)}, function (module, exports) {\n${code}\n}]`,
  );
  return `module.exports = __rulegate.actions(${JSON.stringify(trigger)}, [\n${entries.join(",\n")}\n]);\n`;
}

/** How many lines of the module come before an action's first line, when it is the only one. */
export const ACTION_SOURCE_LINE_OFFSET = 2;

/** One version of a trigger's flow: its actions in binding order, and when it last changed. */
export interface FlowVersion {
  actions: readonly FlowActionSource[];
  /** When a binding changed or a bound action was deployed (ms): its deploy time. */
  changedAt: number;
}

/**
 * A trigger's flow as the pool runs it. Its version is a hash of the module and of when the
 * flow last changed, so a deploy, a rollback or a change of the bindings is a new version with
 * hosts (and caches) of its own.
 */
export function flowScript(trigger: ActionTriggerId, flow: FlowVersion): RuleScript {
  return deployedScript(ACTION_TRIGGERS[trigger], flow.changedAt, actionsSource(trigger, flow.actions));
}

/** Warms hosts for a trigger's flow as it now is, so the next exchange does not wait for one; nothing without one. */
export function prepareFlow(
  pool: Pick<RulePool, "prepare">,
  trigger: ActionTriggerId,
  flow: FlowVersion | undefined,
): void {
  if (flow) pool.prepare(flowScript(trigger, flow));
}
