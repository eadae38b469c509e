import { t } from "elysia";
import { countLogs, findLog, type LogFilters, listLogs } from "../db/logs.ts";
import type { Deps } from "../deps.ts";
import { logStream } from "../logs/log-stream.ts";
import { LogEntry, logView } from "../logs/log-view.ts";
import { badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { listAnswer, pageOf } from "./pagination.ts";

const Id = (title: string) => t.Optional(t.String({ minLength: 1, maxLength: 256, title }));
const Filters = {
  type: t.Optional(t.String({ pattern: "^[a-z_]{1,32}$", title: "type" })),
  user_id: Id("user_id"),
  client_id: Id("client_id"),
  request_id: Id("request_id"),
  from: t.Optional(t.String({ maxLength: 64, title: "from" })),
  to: t.Optional(t.String({ maxLength: 64, title: "to" })),
};
export const LogQuery = t.Object({
  ...Filters,
  page: t.Optional(t.Integer({ minimum: 0, maximum: 100_000, title: "page" })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "per_page" })),
  include_totals: t.Optional(t.Boolean({ title: "include_totals" })),
});
export const StreamQuery = t.Object(Filters);

const date = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()))
    throw badRequest(`Query validation error: '${name}' must be an ISO 8601 date.`);
  return parsed;
};

function filtersOf(query: typeof StreamQuery.static): LogFilters {
  return {
    type: query.type,
    userId: query.user_id,
    clientId: query.client_id,
    requestId: query.request_id,
    from: date("from", query.from),
    to: date("to", query.to),
  };
}

/** SSE `Last-Event-ID`: the `seq` of the last event the client has. */
function lastEventIdOf(request: Request): number | undefined {
  const header = request.headers.get("last-event-id");
  return header && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/** `/api/v2/logs`: stored events, newest first, one by id, and a live server-sent event stream. */
export function logsRoutes(deps: Deps) {
  return managementPlugin(deps, "/logs")
    .get(
      "",
      async ({ query }) => {
        const filters = filtersOf(query);
        const rows = await listLogs(deps.db, filters, pageOf(query));
        return listAnswer(query, "logs", rows.map(logView), () => countLogs(deps.db, filters));
      },
      { query: LogQuery },
    )
    .get(
      "/stream",
      ({ query, request }) => logStream(deps, filtersOf(query), lastEventIdOf(request), request.signal),
      {
        query: StreamQuery,
      },
    )
    .get(
      "/:log_id",
      async ({ params }) => {
        const row = await findLog(deps.db, params.log_id);
        if (!row) throw notFound("log event");
        return logView(row);
      },
      { response: LogEntry },
    );
}
