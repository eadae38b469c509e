import { t } from "elysia";
import type { Deps } from "../deps.ts";
import { managementPlugin } from "./management-plugin.ts";
import { pageOf } from "./pagination.ts";

/** Auth0's parameters of `GET /api/v2/actions/actions`; the filters apply to a list that is always empty. */
export const ActionsQuery = t.Object({
  triggerId: t.Optional(t.String({ maxLength: 64, title: "triggerId" })),
  actionName: t.Optional(t.String({ maxLength: 256, title: "actionName" })),
  deployed: t.Optional(t.Boolean({ title: "deployed" })),
  installed: t.Optional(t.Boolean({ title: "installed" })),
  page: t.Optional(t.Integer({ minimum: 0, maximum: 100_000, title: "page" })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "per_page" })),
});

/** Auth0's answer of `GET /api/v2/actions/actions`: always paged, with the total. */
export const ActionList = t.Object({
  actions: t.Array(t.Unknown()),
  total: t.Integer(),
  page: t.Integer(),
  per_page: t.Integer(),
});

/**
 * `GET /api/v2/actions/actions` (Auth0's name), what export tools read first. Rulegate has
 * no actions; its custom code is the password-exchange and credentials-exchange rules at
 * `/api/v2/rules/password-exchange` and `/api/v2/rules/credentials-exchange`, so the list is empty.
 */
export function actionsRoutes(deps: Deps) {
  return managementPlugin(deps, "/actions").get(
    "/actions",
    ({ query }) => {
      const { page, perPage } = pageOf(query);
      return { actions: [], total: 0, page, per_page: perPage };
    },
    { query: ActionsQuery, response: ActionList },
  );
}
