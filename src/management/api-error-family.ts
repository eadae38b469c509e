import type { ValidationError } from "elysia";
import type { ErrorFamily } from "../http/error-family.ts";
import { ApiError, temporarilyUnavailable } from "./api-error.ts";

/** Auth0's wording for a schema failure: `Payload validation error: '<why>' on property <field>.` */
function validationMessage(error: ValidationError): string {
  const first = error.all[0] as
    | { path?: string; message?: string; summary?: string; schema?: { title?: string } }
    | undefined;
  const where = error.type === "body" ? "Payload" : error.type === "params" ? "Path" : "Query";
  const property = (first?.path || first?.schema?.title || "").replace(/^\//, "").replace(/\//g, ".");
  // Elysia's summary of a wrong type ends with the value sent ("… but found: <value>"): it
  // is cut, since that value may be a secret (a rules config value, a rule's secret).
  const reason = (first?.summary ?? first?.message ?? "Invalid value").replace(/ but found: [\s\S]*$/, "");
  return `${where} validation error: '${reason}'${property ? ` on property ${property}` : ""}.`;
}

/**
 * The Management API's family (Auth0's `{statusCode, error, message, errorCode}`): a schema
 * failure is a 400 `invalid_body` naming the property, as Auth0 words it; a body that is not
 * JSON a 400 `invalid_body`; a method the path does not have a 405 with `Allow`; an
 * unreachable database a 503 `temporarily_unavailable`; anything else a 500 `internal_error`.
 */
export const apiErrorFamily: ErrorFamily = {
  invalidRequest: (error) => new ApiError(400, validationMessage(error), "invalid_body"),
  malformedBody: () => new ApiError(400, "The request body is not valid JSON.", "invalid_body"),
  methodNotAllowed: (allow) =>
    new ApiError(405, `Method not allowed; allowed: ${allow}.`, "method_not_allowed", { allow }),
  unavailable: (retryAfterSeconds) =>
    temporarilyUnavailable("The database is unavailable; retry shortly.", retryAfterSeconds),
  serverError: () => new ApiError(500, "Internal error.", "internal_error"),
};
