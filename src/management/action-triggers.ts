import type { ActionTrigger } from "../db/schema.ts";
import { ACTION_TRIGGERS, type ActionTriggerId } from "../model/rule-ids.ts";
import { ApiError } from "./api-error.ts";

/**
 * The triggers Rulegate runs actions on (README, "Moving your Auth0 Actions"), as Auth0's
 * `GET /api/v2/actions/triggers` describes them: each trigger's current version (Auth0
 * Actions, "post-login" v3 and "credentials-exchange" v2) and the handler an action of that
 * trigger exports (`exports.onExecutePostLogin`, `exports.onExecuteCredentialsExchange`).
 */
export const TRIGGER_CATALOG = {
  "post-login": { version: "v3", handler: "onExecutePostLogin" },
  "credentials-exchange": { version: "v2", handler: "onExecuteCredentialsExchange" },
} as const satisfies Record<ActionTriggerId, { version: string; handler: string }>;

/**
 * The runtimes an action may name (Auth0's `runtime`): Auth0's current Node.js runtimes. They
 * are labels here: every action runs in Rulegate's sandbox, whatever it names.
 */
export const ACTION_RUNTIMES = ["node18-actions", "node22"] as const;
/** Auth0's default runtime for a new action. */
export const DEFAULT_RUNTIME = "node22";
/** Auth0 accepts `node18` on input and stores it as `node18-actions`. */
const RUNTIME_ALIASES: Record<string, string> = { node18: "node18-actions" };

const TRIGGER_IDS = Object.keys(ACTION_TRIGGERS) as ActionTriggerId[];

/** Whether Rulegate runs actions on `id`. */
export const isActionTrigger = (id: string): id is ActionTriggerId => (TRIGGER_IDS as string[]).includes(id);

const describeTriggers = () =>
  TRIGGER_IDS.map((id) => `${id} (${TRIGGER_CATALOG[id].version})`).join(" and ");

/** 400 for a trigger Rulegate does not run actions on; the message lists the ones it does. */
export const unsupportedTrigger = () =>
  new ApiError(400, `Rulegate runs actions on the ${describeTriggers()} triggers only.`, "invalid_body");

/**
 * The triggers an action asks for, checked: each is one Rulegate runs, at its current version
 * (a missing version is the current one).
 */
export function checkedTriggers(triggers: { id: string; version?: string }[]): ActionTrigger[] {
  return triggers.map((trigger) => {
    if (!isActionTrigger(trigger.id)) throw unsupportedTrigger();
    const { version } = TRIGGER_CATALOG[trigger.id];
    if (trigger.version !== undefined && trigger.version !== version) throw unsupportedTrigger();
    return { id: trigger.id, version };
  });
}

/** The runtime an action asks for, as stored; 400 for one Auth0 no longer offers. */
export function checkedRuntime(runtime: string): string {
  const stored = RUNTIME_ALIASES[runtime] ?? runtime;
  if (!(ACTION_RUNTIMES as readonly string[]).includes(stored)) {
    throw new ApiError(
      400,
      `The runtime must be one of ${ACTION_RUNTIMES.join(", ")} (or node18).`,
      "invalid_body",
    );
  }
  return stored;
}

/** Auth0's description of each trigger (`GET /api/v2/actions/triggers`). */
export const triggerViews = () =>
  TRIGGER_IDS.map((id) => ({
    id,
    version: TRIGGER_CATALOG[id].version,
    status: "CURRENT",
    runtimes: [...ACTION_RUNTIMES],
    default_runtime: DEFAULT_RUNTIME,
    compatible_triggers: [] as { id: string; version: string }[],
    binding_policy: "trigger-bound" as const,
  }));
