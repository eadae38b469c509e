import { t } from "elysia";

/**
 * Auth0's `fields` (comma-separated names) and `include_fields` (true, the default: only those
 * fields; false: all but those). Names that are not fields of the answer are ignored, as in Auth0.
 */
export const FieldsQuery = {
  fields: t.Optional(t.String({ maxLength: 2000, title: "fields" })),
  include_fields: t.Optional(t.Boolean({ title: "include_fields" })),
};
export type FieldsQuery = { fields?: string; include_fields?: boolean };

/** `item` with only (or without) the fields `query` names; `item` itself when it names none. */
export function projectFields<Item extends object>(item: Item, query: FieldsQuery): Partial<Item> {
  const names = new Set(
    (query.fields ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  );
  if (names.size === 0) return item;
  const include = query.include_fields ?? true;
  return Object.fromEntries(
    Object.entries(item).filter(([key]) => names.has(key) === include),
  ) as Partial<Item>;
}
