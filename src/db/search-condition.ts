import { and, eq, gt, gte, isNotNull, lt, lte, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import {
  parseSearchQuery,
  type SearchNode,
  SearchSyntaxError,
  type SearchValue,
} from "../search/parse-search-query.ts";
import type { Db } from "./database.ts";
import { type JsonPath, jsonArrayHas, jsonHas, jsonText, startsWith } from "./dialect.ts";

/**
 * How one searchable field is matched. `text` is case-sensitive unless `caseInsensitive`
 * (then compared lower-cased; `storedLowerCase` when the column already is, like `email`).
 */
export type SearchField =
  | { kind: "text"; column: SQLWrapper; caseInsensitive?: boolean; storedLowerCase?: boolean }
  | { kind: "boolean"; column: SQLWrapper }
  | { kind: "integer"; column: SQLWrapper }
  | { kind: "date"; column: SQLWrapper };

/** A JSON column searched by path (`app_metadata.plan`): exact values, array members, maybe prefixes. */
export interface SearchJsonColumn {
  column: SQLWrapper;
  /** Auth0 allows wildcards on app_metadata, not on user_metadata. */
  wildcards: boolean;
}

/** What a search may name: plain fields, JSON columns by prefix, and the fields of a term without one. */
export interface SearchSpec {
  fields: Record<string, SearchField>;
  json?: Record<string, SearchJsonColumn>;
  /** The fields a term without a field name is looked for in (any of them). */
  bare: string[];
}

const JSON_KEY = /^[A-Za-z0-9_-]{1,100}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The SQL condition of Auth0's search query `q` over `spec`.
 * @throws SearchSyntaxError for bad or unsupported syntax and unknown fields, naming them
 */
export function searchCondition(db: Db, q: string, spec: SearchSpec): SQL {
  const fail = (message: string): never => {
    throw new SearchSyntaxError(message);
  };

  const jsonField = (name: string): { json: SearchJsonColumn; path: JsonPath } | undefined => {
    const dot = name.indexOf(".");
    if (dot < 0) return undefined;
    const json = spec.json?.[name.slice(0, dot)];
    if (!json) return undefined;
    const path = name.slice(dot + 1).split(".");
    if (!path.every((key) => JSON_KEY.test(key))) fail(`'${name}' is not a metadata path`);
    return { json, path };
  };

  const unknownField = (name: string): never =>
    fail(
      `the field '${name}' is not searchable (fields: ${Object.keys(spec.fields).join(", ")}${
        spec.json
          ? Object.keys(spec.json)
              .map((prefix) => `, ${prefix}.*`)
              .join("")
          : ""
      })`,
    );

  const date = (name: string, text: string, end: "start" | "end"): Date => {
    const parsed = new Date(text);
    if (Number.isNaN(parsed.getTime())) fail(`${name}: '${text}' is not a date`);
    // A bare day as an inclusive upper bound means its whole day.
    if (end === "end" && DAY.test(text)) return new Date(parsed.getTime() + 86_400_000);
    return parsed;
  };

  const integer = (name: string, text: string): number => {
    if (!/^-?\d{1,15}$/.test(text)) fail(`${name}: '${text}' is not an integer`);
    return Number(text);
  };

  const range = <T>(
    column: SQLWrapper | SQL,
    value: Extract<SearchValue, { kind: "range" }>,
    low?: T,
    high?: T,
  ) =>
    and(
      low === undefined ? undefined : value.lowInclusive ? gte(column, low) : gt(column, low),
      high === undefined ? undefined : value.highInclusive ? lte(column, high) : lt(column, high),
    ) ?? sql`1 = 1`;

  const fieldCondition = (name: string, field: SearchField, value: SearchValue): SQL => {
    switch (field.kind) {
      case "text": {
        const lower = field.caseInsensitive && !field.storedLowerCase;
        const column = lower ? sql`lower(${field.column})` : field.column;
        const normalize = (text: string) => (field.caseInsensitive ? text.toLowerCase() : text);
        if (value.kind === "exact") return eq(column, normalize(value.value));
        if (value.kind === "prefix") return startsWith(db, column, normalize(value.value));
        return range(
          column,
          value,
          value.low === undefined ? undefined : normalize(value.low),
          value.high === undefined ? undefined : normalize(value.high),
        );
      }
      case "boolean": {
        if (value.kind !== "exact" || !["true", "false"].includes(value.value))
          fail(`${name}: is true or false`);
        return eq(field.column, (value as { value: string }).value === "true");
      }
      case "integer": {
        if (value.kind === "prefix") fail(`${name}: wildcards are not supported on numbers`);
        if (value.kind === "exact") return eq(field.column, integer(name, value.value));
        const { low, high } = value as Extract<SearchValue, { kind: "range" }>;
        return range(
          field.column,
          value as Extract<SearchValue, { kind: "range" }>,
          low === undefined ? undefined : integer(name, low),
          high === undefined ? undefined : integer(name, high),
        );
      }
      case "date": {
        if (value.kind === "prefix") fail(`${name}: wildcards are not supported on dates; use a range`);
        if (value.kind === "exact") {
          if (DAY.test(value.value))
            return range(
              field.column,
              { kind: "range", lowInclusive: true, highInclusive: false },
              date(name, value.value, "start"),
              date(name, value.value, "end"),
            );
          return eq(field.column, date(name, value.value, "start"));
        }
        const bounds = value as Extract<SearchValue, { kind: "range" }>;
        const high =
          bounds.high === undefined
            ? undefined
            : date(name, bounds.high, bounds.highInclusive ? "end" : "start");
        // An inclusive day's end is the next day's start, excluded.
        const inclusiveDay = bounds.highInclusive && bounds.high !== undefined && DAY.test(bounds.high);
        return range(
          field.column,
          { ...bounds, highInclusive: bounds.highInclusive && !inclusiveDay },
          bounds.low === undefined ? undefined : date(name, bounds.low, "start"),
          high,
        );
      }
    }
  };

  const jsonCondition = (name: string, json: SearchJsonColumn, path: JsonPath, value: SearchValue): SQL => {
    const text = jsonText(db, json.column, path);
    if (value.kind === "range") return fail(`${name}: ranges are not supported on metadata`);
    if (value.kind === "prefix") {
      if (!json.wildcards) fail(`${name}: wildcards are not supported on this metadata`);
      return startsWith(db, text, value.value);
    }
    return or(eq(text, value.value), jsonArrayHas(db, json.column, path, value.value))!;
  };

  const termCondition = (fieldName: string | undefined, value: SearchValue): SQL => {
    if (fieldName === undefined) {
      return or(...spec.bare.map((name) => fieldCondition(name, spec.fields[name]!, value)))!;
    }
    const field = spec.fields[fieldName];
    if (field) return fieldCondition(fieldName, field, value);
    const json = jsonField(fieldName);
    if (json) return jsonCondition(fieldName, json.json, json.path, value);
    return unknownField(fieldName);
  };

  const existsCondition = (fieldName: string): SQL => {
    const field = spec.fields[fieldName];
    if (field) return isNotNull(field.column);
    const json = jsonField(fieldName);
    if (json) return jsonHas(db, json.json.column, json.path);
    return unknownField(fieldName);
  };

  const compile = (node: SearchNode): SQL => {
    switch (node.kind) {
      case "and":
        return and(...node.nodes.map(compile))!;
      case "or":
        return or(...node.nodes.map(compile))!;
      case "not":
        // Lucene's NOT keeps the rows where the inner term is unknown (a NULL column).
        return sql`not coalesce(${compile(node.node)}, false)`;
      case "exists":
        return existsCondition(node.field);
      case "term":
        return termCondition(node.field, node.value);
    }
  };

  return compile(parseSearchQuery(q));
}
