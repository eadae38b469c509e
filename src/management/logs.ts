import { t } from "elysia";
import { countLogs, findLog, type LogFilters, listLogs, logSearch, logsAfter } from "../db/logs.ts";
import type { LogRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { logStream } from "../logs/log-stream.ts";
import { logView } from "../logs/log-view.ts";
import { SearchSyntaxError } from "../search/parse-search-query.ts";
import { badRequest, invalidQuery, notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementPlugin } from "./management-plugin.ts";
import { listAnswer, pageOf } from "./pagination.ts";

const Id = (title: string) => t.Optional(t.String({ minLength: 1, maxLength: 256, title }));
const Filters = {
  type: t.Optional(t.String({ pattern: "^[a-z_]{1,32}$", title: "type" })),
  user_id: Id("user_id"),
  client_id: Id("client_id"),
  request_id: Id("request_id"),
  /** The dates of events (ISO 8601), from and up to; `to` is the older name of `to_date`. */
  from_date: t.Optional(t.String({ maxLength: 64, title: "from_date" })),
  to_date: t.Optional(t.String({ maxLength: 64, title: "to_date" })),
  to: t.Optional(t.String({ maxLength: 64, title: "to" })),
};
export const LogQuery = t.Object({
  ...Filters,
  ...FieldsQuery,
  page: t.Optional(t.Integer({ minimum: 0, maximum: 100_000, title: "page" })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "per_page" })),
  include_totals: t.Optional(t.Boolean({ title: "include_totals" })),
  /** Auth0's search over log fields (the user search's syntax). */
  q: t.Optional(t.String({ maxLength: 4000, title: "q" })),
  sort: t.Optional(t.String({ pattern: "^date:(1|-1)$", title: "sort" })),
  /** Auth0's checkpoint: the events after this log_id, oldest first, `take` of them. */
  from: t.Optional(t.String({ minLength: 1, maxLength: 256, title: "from" })),
  take: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "take" })),
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
    from: date("from_date", query.from_date),
    to: date(query.to_date === undefined ? "to" : "to_date", query.to_date ?? query.to),
  };
}

/** The condition of a log list's `q`. @throws ApiError 400 naming what is wrong or unsupported */
function logSearchOf(db: Deps["db"], q: string | undefined) {
  if (q === undefined || q.trim() === "") return undefined;
  try {
    return logSearch(db, q);
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw invalidQuery(error.message, "q");
    throw error;
  }
}

async function listAnswerOf(deps: Deps, query: typeof LogQuery.static) {
  const filters = { ...filtersOf(query), search: logSearchOf(deps.db, query.q) };
  const view = (row: LogRow) => projectFields(logView(row), query);
  if (query.from !== undefined) {
    const checkpoint = await findLog(deps.db, query.from);
    if (!checkpoint) throw invalidQuery(`no log event has the id ${query.from}`, "from");
    return (await logsAfter(deps.db, checkpoint.seq, filters, query.take ?? 50)).map(view);
  }
  const order = query.sort === "date:1" ? "oldest" : "newest";
  const page = query.take === undefined ? pageOf(query) : { page: 0, perPage: query.take };
  const rows = await listLogs(deps.db, filters, page, order);
  return listAnswer(query, "logs", rows.map(view), () => countLogs(deps.db, filters));
}

/** SSE `Last-Event-ID`: the `seq` of the last event the client has. */
function lastEventIdOf(request: Request): number | undefined {
  const header = request.headers.get("last-event-id");
  return header && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/** `/api/v2/logs`: stored events, newest first, one by id, and a live server-sent event stream. */
export function logsRoutes(deps: Deps) {
  return managementPlugin(deps, "/logs")
    .get("", async ({ query }) => listAnswerOf(deps, query), { query: LogQuery })
    .get(
      "/stream",
      ({ query, request }) => logStream(deps, filtersOf(query), lastEventIdOf(request), request.signal),
      {
        query: StreamQuery,
      },
    )
    .get(
      "/:log_id",
      async ({ params, query }) => {
        const row = await findLog(deps.db, params.log_id);
        if (!row) throw notFound("log event");
        return projectFields(logView(row), query);
      },
      { query: t.Object(FieldsQuery) },
    );
}
