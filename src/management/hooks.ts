import { t } from "elysia";
import type { Deps } from "../deps.ts";
import { managementPlugin } from "./management-plugin.ts";
import { ListQuery, listAnswer } from "./pagination.ts";

/** Auth0's parameters of `GET /api/v2/hooks`; `enabled` and `triggerId` filter a list that is always empty. */
export const HooksQuery = t.Object({
  ...ListQuery.properties,
  enabled: t.Optional(t.Boolean({ title: "enabled" })),
  triggerId: t.Optional(t.String({ maxLength: 64, title: "triggerId" })),
});

/**
 * `GET /api/v2/hooks` (Auth0's name), what export tools read first. Rulegate has no hooks;
 * its custom code is the password-exchange and credentials-exchange rules at
 * `/api/v2/rules/password-exchange` and `/api/v2/rules/credentials-exchange`, so the list is empty (Auth0's shape: an array, or with
 * `include_totals` the paged object).
 */
export function hooksRoutes(deps: Deps) {
  return managementPlugin(deps, "/hooks").get(
    "",
    ({ query }) => listAnswer(query, "hooks", [], async () => 0),
    { query: HooksQuery },
  );
}
