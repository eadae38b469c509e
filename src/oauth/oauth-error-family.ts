import type { ErrorFamily } from "../http/error-family.ts";
import { InvalidRequest, MethodNotAllowed, ServerError, TemporarilyUnavailable } from "./errors.ts";

/**
 * The OAuth endpoints' family (RFC 6749 §5.2): a request that fails its schema or does not
 * parse is `invalid_request` (the why stays out of the description), a method the path does
 * not have a 405 `invalid_request` with `Allow`, an unreachable database a 503
 * `temporarily_unavailable`, anything else `server_error`. The server's own routes (health,
 * metrics, the console and the API document) answer in it too.
 */
export const oauthErrorFamily: ErrorFamily = {
  invalidRequest: () => new InvalidRequest("The request is malformed."),
  malformedBody: () => new InvalidRequest("The request body is malformed."),
  methodNotAllowed: (allow) => new MethodNotAllowed(allow),
  unavailable: (retryAfterSeconds) =>
    new TemporarilyUnavailable("The server cannot reach its database; retry shortly.", retryAfterSeconds),
  serverError: () => new ServerError(),
};
