import type { Auth0Rule } from "../management/auth0-rules.ts";
import { type ApiClient, CliError } from "./api-client.ts";
import { listAll } from "./list-all.ts";

export type { Auth0Rule };

/** Auth0's Rules in the management API (src/management/auth0-rules.ts). */
export const RULES_PATH = "/api/v2/rules";

/** The path of one rule. */
export const ruleUrl = (id: string) => `${RULES_PATH}/${encodeURIComponent(id)}`;

/** Every rule, in the order they run (the API lists them by `order`); perhaps only the enabled or disabled ones. */
export function listRules(api: ApiClient, enabled?: boolean): Promise<Auth0Rule[]> {
  return listAll<Auth0Rule>(api, enabled === undefined ? RULES_PATH : `${RULES_PATH}?enabled=${enabled}`);
}

/**
 * The rule a command names: by its id (`rul_…`) or by its name. The two cannot be confused:
 * Auth0's rule names hold letters, digits, spaces and `-` only.
 */
export async function findRule(api: ApiClient, reference: string): Promise<Auth0Rule> {
  if (reference.startsWith("rul_")) return api.call<Auth0Rule>("GET", ruleUrl(reference));
  const found = (await listRules(api)).find((rule) => rule.name === reference);
  if (!found) throw new CliError(`no rule is named "${reference}" (rulegate rules list shows them)`);
  return found;
}
