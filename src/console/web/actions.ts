import { api } from "./api.ts";

/** The triggers Rulegate runs actions on (README, "Moving your Auth0 Actions"). */
export type ActionTriggerId = "post-login" | "credentials-exchange";

/** A secret as the API shows it: its name and when it was set, never its value. */
export interface ActionSecret {
  name: string;
  updated_at: string;
}

/** An action version (Auth0 Management API v2, Actions). */
export interface ActionVersion {
  id: string;
  number: number;
  code: string;
  deployed: boolean;
  created_at: string;
  supported_triggers: { id: string; version: string }[];
}

/** An action as `/api/v2/actions/actions` answers it: its draft, and the version it runs. */
export interface Action {
  id: string;
  name: string;
  code: string;
  supported_triggers: { id: string; version: string }[];
  all_changes_deployed: boolean;
  secrets: ActionSecret[];
  deployed_version?: ActionVersion;
  updated_at: string;
}

/** One trigger's bound action, as `GET /api/v2/actions/triggers/{triggerId}/bindings` answers it. */
export interface ActionBinding {
  id: string;
  display_name: string;
  action: Action;
}

/** The handler each trigger calls (Auth0 Actions: `exports.onExecutePostLogin`, …). */
export const TRIGGER_HANDLERS: Record<ActionTriggerId, string> = {
  "post-login": "onExecutePostLogin",
  "credentials-exchange": "onExecuteCredentialsExchange",
};

/** What a new action's draft starts with: its trigger's handler, doing nothing. */
export const actionTemplate = (trigger: ActionTriggerId) =>
  `exports.${TRIGGER_HANDLERS[trigger]} = async (event, api) => {\n};\n`;

/** The trigger an action runs on (Auth0: an action targets one trigger at a time). */
export const triggerOf = (action: Pick<Action, "supported_triggers">) =>
  action.supported_triggers[0]?.id as ActionTriggerId;

/** The path of one action. */
export const actionPath = (id: string) => `/actions/actions/${encodeURIComponent(id)}`;
/** The path of one trigger's bindings. */
export const bindingsPath = (trigger: string) => `/actions/triggers/${encodeURIComponent(trigger)}/bindings`;

const PER_PAGE = 100;

/** Every action, by name. */
export async function listActions(): Promise<Action[]> {
  const actions: Action[] = [];
  for (let page = 0; ; page++) {
    const batch = await api<{ actions: Action[] }>(
      "GET",
      `/actions/actions?per_page=${PER_PAGE}&page=${page}`,
    );
    actions.push(...batch.actions);
    if (batch.actions.length < PER_PAGE) break;
  }
  return actions.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every version of an action, newest first. */
export async function listVersions(id: string): Promise<ActionVersion[]> {
  const versions: ActionVersion[] = [];
  for (let page = 0; ; page++) {
    const batch = await api<{ versions: ActionVersion[] }>(
      "GET",
      `${actionPath(id)}/versions?per_page=${PER_PAGE}&page=${page}`,
    );
    versions.push(...batch.versions);
    if (batch.versions.length < PER_PAGE) break;
  }
  return versions.sort((a, b) => b.number - a.number);
}

/** A trigger's bound actions, in the order they run. */
export async function listBindings(trigger: string): Promise<ActionBinding[]> {
  const bindings: ActionBinding[] = [];
  for (let page = 0; ; page++) {
    const batch = await api<{ bindings: ActionBinding[] }>(
      "GET",
      `${bindingsPath(trigger)}?per_page=${PER_PAGE}&page=${page}`,
    );
    bindings.push(...batch.bindings);
    if (batch.bindings.length < PER_PAGE) break;
  }
  return bindings;
}
