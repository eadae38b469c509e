import type { ActionTrigger } from "../db/schema.ts";
import { ACTION_SOURCE_LINE_OFFSET, actionsSource } from "../rules/actions-flow.ts";
import {
  assignedExports,
  forbiddenSyntax,
  RULE_SCRIPT_LIMIT,
  syntaxError,
} from "../rules/check-rule-source.ts";
import type { RulePool } from "../rules/pool.ts";
import { describePosition } from "../rules/protocol.ts";
import { isActionTrigger, TRIGGER_CATALOG } from "./action-triggers.ts";
import { ApiError, badRequest } from "./api-error.ts";
import { throwawayHostsBusy } from "./sandbox-run.ts";

/** One of an action's `dependencies`, as Auth0 lists them. */
export interface ActionDependency {
  name: string;
  version: string;
}

/** The source check's reason, which speaks of rules, in an action's words. */
const inActionWords = (reason: string) =>
  reason
    .replace(/^Rules\b/, "Actions")
    .replace(/^The rule's source/, "The action's code")
    .replace(/\ba rule\b/g, "an action");

/**
 * Refuses an action's code that is over {@link RULE_SCRIPT_LIMIT} bytes (RFC 9110 §15.5.14's
 * 413), that imports or requires a module, or that does not parse (400, with the line and
 * column in the action's own code). The code runs as the body of `function (module,
 * exports)`, as the password-exchange rule does, so it is checked exactly as that rule is.
 */
export function assertActionCode(code: string | undefined): void {
  if (code === undefined) return;
  if (new TextEncoder().encode(code).byteLength > RULE_SCRIPT_LIMIT) {
    throw new ApiError(
      413,
      `The action's code is larger than ${RULE_SCRIPT_LIMIT} bytes.`,
      "payload_too_large",
    );
  }
  const forbidden = forbiddenSyntax(code);
  if (forbidden) throw badRequest(inActionWords(forbidden));
  const error = syntaxError(code);
  if (!error) return;
  throw badRequest(`The action's code does not compile: ${error.message}${describePosition(error)}`);
}

/**
 * Refuses to deploy code that does not assign each of its triggers' handler
 * (`exports.onExecutePostLogin = …`, or `module.exports = { onExecutePostLogin … }`): a
 * deployed action whose trigger finds no handler would fail every exchange.
 */
export function assertHandlers(code: string, triggers: ActionTrigger[]): void {
  assertActionCode(code);
  const assigned = assignedExports(code) ?? new Set<string>();
  for (const trigger of triggers) {
    if (!isActionTrigger(trigger.id)) continue;
    const { handler } = TRIGGER_CATALOG[trigger.id];
    if (!assigned.has(handler)) {
      throw badRequest(
        `The action's code does not export ${handler}, the ${trigger.id} trigger's handler (exports.${handler} = async (event, api) => { … }).`,
      );
    }
  }
}

/**
 * Refuses to deploy code that does not load in a rule host as its trigger's flow would load
 * it: a dependency or a required module that RULE_MODULES_DIR does not have in a version
 * that satisfies it, top-level code that throws, runs past the time limit or the memory
 * limit, or leaves no handler. A deployed version that cannot load would fail every exchange of its trigger.
 */
export async function assertLoads(
  pool: RulePool,
  name: string,
  code: string,
  triggers: ActionTrigger[],
  dependencies: readonly ActionDependency[] = [],
): Promise<void> {
  // Auth0's `latest` asks for whatever is installed.
  const wanted = dependencies.map(({ name, version }) => `${name}@${version === "latest" ? "*" : version}`);
  const missing = pool.modulesProblem(wanted);
  if (missing)
    throw new ApiError(400, `The action's dependencies are not installed: ${missing}`, "invalid_action");
  for (const trigger of triggers) {
    if (!isActionTrigger(trigger.id)) continue;
    const error = await pool.compile(actionsSource(trigger.id, [{ name, code }]));
    if (!error) continue;
    if (error === "busy") throw throwawayHostsBusy();
    const line = error.line === undefined ? undefined : error.line - ACTION_SOURCE_LINE_OFFSET;
    const where = line !== undefined && line >= 1 ? describePosition({ line, column: error.column }) : "";
    throw new ApiError(400, `The action's code does not load: ${error.message}${where}`, "invalid_action");
  }
}
