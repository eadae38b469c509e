import { t } from "elysia";

/** Auth0's list parameters: `page` (0-based), `per_page` (default 50, at most 100), `include_totals`. */
// Elysia validates query parameters one by one and reports no path for them, so each
// carries its name as `title` for the error message (see app.ts validationMessage).
export const ListQuery = t.Object({
  page: t.Optional(t.Integer({ minimum: 0, maximum: 100_000, title: "page" })),
  per_page: t.Optional(t.Integer({ minimum: 1, maximum: 100, title: "per_page" })),
  include_totals: t.Optional(t.Boolean({ title: "include_totals" })),
});
export type ListQuery = typeof ListQuery.static;

/** The page a list query asks for. */
export function pageOf(query: ListQuery) {
  return { page: query.page ?? 0, perPage: query.per_page ?? 50 };
}

/**
 * Auth0's list answer: the bare array, or with `include_totals=true`
 * `{[key]: items, start, limit, length, total}`.
 */
export async function listAnswer<Item>(
  query: ListQuery,
  key: string,
  items: Item[],
  total: () => Promise<number>,
): Promise<Item[] | Record<string, unknown>> {
  if (!query.include_totals) return items;
  const { page, perPage } = pageOf(query);
  return { [key]: items, start: page * perPage, limit: perPage, length: items.length, total: await total() };
}
