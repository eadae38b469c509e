import { type TLiteral, type TSchema, type TUnion, Type as t } from "@sinclair/typebox";

/** `["a", "b"]` → `[TLiteral<"a">, TLiteral<"b">]`, so the union's static type is `"a" | "b"`. */
type Literals<Values extends readonly string[]> = Extract<
  { -readonly [Index in keyof Values]: TLiteral<Values[Index]> },
  TSchema[]
>;

/**
 * A TypeBox union of string literals built from a closed list, so the list (for CLI
 * choices, defaults and checks) and the schema (for validation and OpenAPI) are one fact.
 */
export function literalUnion<const Values extends readonly string[]>(
  values: Values,
): TUnion<Literals<Values>> {
  return t.Union(values.map((value) => t.Literal(value))) as TUnion<Literals<Values>>;
}
