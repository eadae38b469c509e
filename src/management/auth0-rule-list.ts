import { t } from "elysia";
import type { Deps } from "../deps.ts";
import { managementPlugin } from "./management-plugin.ts";
import { ListQuery, listAnswer } from "./pagination.ts";

/** Auth0's parameters of `GET /api/v2/rules`; `enabled` filters a list that is always empty. */
export const RulesQuery = t.Object({
  ...ListQuery.properties,
  enabled: t.Optional(t.Boolean({ title: "enabled" })),
});

/**
 * `GET /api/v2/rules` (Auth0's name), what export tools read first. Rulegate stores no Auth0
 * rule objects: its rules are the password-exchange and credentials-exchange rules at
 * `/api/v2/rules/password-exchange` and `/api/v2/rules/credentials-exchange`, so the list is empty (Auth0's shape: an array, or with
 * `include_totals` the paged object).
 */
export function rulesRoutes(deps: Deps) {
  return managementPlugin(deps, "/rules").get(
    "",
    ({ query }) => listAnswer(query, "rules", [], async () => 0),
    { query: RulesQuery },
  );
}
