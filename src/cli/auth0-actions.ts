import type { ActionVersionView, ActionView } from "../management/action-views.ts";
import { type ApiClient, CliError } from "./api-client.ts";

export type { ActionVersionView, ActionView };

/** Auth0's Actions in the management API (src/management/actions.ts). */
export const ACTIONS_PATH = "/api/v2/actions/actions";

/** The path of one action. */
export const actionUrl = (id: string) => `${ACTIONS_PATH}/${encodeURIComponent(id)}`;

/** The path of a trigger's bindings. */
export const bindingsUrl = (triggerId: string) =>
  `/api/v2/actions/triggers/${encodeURIComponent(triggerId)}/bindings`;

/** Auth0's binding of an action to a trigger, as `GET …/bindings` answers it. */
export interface ActionBindingView {
  id: string;
  trigger_id: string;
  display_name: string;
  action: ActionView;
}

/** The Actions API's largest page (`per_page`, src/management/actions.ts). */
const PER_PAGE = 100;

/**
 * Every item of one of the Actions API's lists, page after page: unlike the other lists,
 * these answer `{<key>: […], total, page, per_page}`.
 */
async function listPaged<Item>(api: ApiClient, path: string, key: string): Promise<Item[]> {
  const items: Item[] = [];
  const joiner = path.includes("?") ? "&" : "?";
  for (let page = 0; ; page++) {
    const answer = await api.call<Record<string, unknown>>(
      "GET",
      `${path}${joiner}page=${page}&per_page=${PER_PAGE}`,
    );
    const batch = (answer[key] ?? []) as Item[];
    items.push(...batch);
    if (batch.length < PER_PAGE) return items;
  }
}

/** Every action, perhaps only those of one trigger, or only the deployed (or never deployed) ones. */
export function listActions(
  api: ApiClient,
  filter: { triggerId?: string; deployed?: boolean } = {},
): Promise<ActionView[]> {
  const query = new URLSearchParams();
  if (filter.triggerId !== undefined) query.set("triggerId", filter.triggerId);
  if (filter.deployed !== undefined) query.set("deployed", String(filter.deployed));
  const search = query.toString();
  return listPaged<ActionView>(api, search ? `${ACTIONS_PATH}?${search}` : ACTIONS_PATH, "actions");
}

/** An action's versions, newest first (as the API lists them). */
export function listVersions(api: ApiClient, actionId: string): Promise<ActionVersionView[]> {
  return listPaged<ActionVersionView>(api, `${actionUrl(actionId)}/versions`, "versions");
}

/** A trigger's bindings, in the order its actions run. */
export function listBindings(api: ApiClient, triggerId: string): Promise<ActionBindingView[]> {
  return listPaged<ActionBindingView>(api, bindingsUrl(triggerId), "bindings");
}

/** The shape of the ids the server gives actions (UUIDs, as Auth0's). */
const ACTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The action a command names: by its id or, failing that, by its exact name (Auth0's
 * `actionName` filter). A name shaped like an id is looked up as an id first.
 */
export async function findAction(api: ApiClient, reference: string): Promise<ActionView> {
  if (ACTION_ID.test(reference)) {
    try {
      return await api.call<ActionView>("GET", actionUrl(reference));
    } catch (error) {
      if (!(error instanceof CliError) || error.status !== 404) throw error;
    }
  }
  const answer = await api.call<{ actions: ActionView[] }>(
    "GET",
    `${ACTIONS_PATH}?actionName=${encodeURIComponent(reference)}&per_page=1`,
  );
  const found = answer.actions[0];
  if (!found) throw new CliError(`no action is named "${reference}" (rulegate actions list shows them)`);
  return found;
}

/** The trigger an action is for (Auth0: an action targets a single trigger). */
export const triggerOf = (action: Pick<ActionView, "supported_triggers">) =>
  action.supported_triggers.map((trigger) => trigger.id).join(",");
