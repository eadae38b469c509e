import { t } from "elysia";
import { countLogs, listLogs } from "../db/logs.ts";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { logView } from "../logs/log-view.ts";
import { notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";

/**
 * Auth0's parameters of `GET /api/v2/users/{id}/logs`: the list parameters and `sort`,
 * `date:-1` (newest first, the default) or `date:1`; `date` is the one field Rulegate sorts by.
 */
export const UserLogQuery = t.Object({
  ...ListQuery.properties,
  sort: t.Optional(t.String({ pattern: "^date:(1|-1)$", title: "sort" })),
});

/** `/api/v2/users/{id}/logs` (Auth0's name): one user's log events, as `GET /api/v2/logs?user_id=`. */
export function userLogsRoutes(deps: Deps) {
  return managementPlugin(deps, "/users").get(
    "/:id/logs",
    async ({ params, query }) => {
      const user = await findUserById(deps.db, params.id);
      if (!user) throw notFound("user");
      const filters = { userId: user.id };
      const order = query.sort === "date:1" ? "oldest" : "newest";
      const rows = await listLogs(deps.db, filters, pageOf(query), order);
      return listAnswer(query, "logs", rows.map(logView), () => countLogs(deps.db, filters));
    },
    { query: UserLogQuery },
  );
}
