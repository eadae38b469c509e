import type { Static, TObject } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { InvalidRequest } from "./errors.ts";
import type { TokenParams } from "./read-token-request.ts";

/**
 * Checks token endpoint parameters against a grant's TypeBox schema and maps the first
 * failure onto RFC 6749 §5.2 `invalid_request`, naming the parameter (never echoing its value).
 */
export function validateParams<Schema extends TObject>(schema: Schema, params: TokenParams): Static<Schema> {
  if (compiled(schema).Check(params)) return params as Static<Schema>;
  const failure = Value.Errors(schema, params).First();
  if (!failure) return params as Static<Schema>;
  const name = failure.path.replace(/^\//, "");
  if (params[name] === undefined) throw new InvalidRequest(`Missing required parameter: ${name}`);
  throw new InvalidRequest(`Invalid parameter: ${name} (${failure.message.toLowerCase()})`);
}

/** Each grant's schema compiled once (TypeBox's compiler): the check every request runs. */
const checks = new WeakMap<TObject, TypeCheck<TObject>>();

function compiled(schema: TObject): TypeCheck<TObject> {
  let check = checks.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  return check;
}
