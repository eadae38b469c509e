import { ValidationError } from "elysia";
import { isDatabaseUnavailable } from "./db/errors.ts";
import type { Deps } from "./deps.ts";
import { allowedMethods, type RouteEntry } from "./http/allowed-methods.ts";
import type { ErrorFamilies } from "./http/error-families.ts";
import type { ErrorFamily } from "./http/error-family.ts";
import { HttpError } from "./http/http-error.ts";
import { noRoute } from "./management/api-error.ts";
import { OAuthError } from "./oauth/errors.ts";
import { tokenContextOf } from "./oauth/token-context.ts";
import { countTokenOutcome, recordTokenFailure } from "./oauth/token-events.ts";

/** How long a client is asked to wait while the database is unavailable. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/** What the app knows when an error reaches its one exit (Elysia's `onError` context). */
export interface FailedRequest {
  /** Elysia's error code: `VALIDATION`, `PARSE`, `NOT_FOUND`, or the error's own. */
  code: string | number;
  error: unknown;
  request: Request;
  path: string;
}

/**
 * No route for the request: RFC 9110 §15.5.6 405 with `Allow` in the family of the path's
 * routes when it has routes for other methods; else 404 in Auth0's shape, which no route
 * group owns.
 */
function answerNoRoute(routes: readonly RouteEntry[], family: ErrorFamily, path: string): HttpError {
  const allow = allowedMethods(routes, path).join(", ");
  return allow ? family.methodNotAllowed(allow) : noRoute(path);
}

/**
 * Brings any error into the family of the route group that failed: a validation or parse
 * failure, a missing route, an unavailable database (logged as a warning: the node
 * recovers by itself), and anything else (logged with its detail, answered generically).
 */
function intoFamily(
  deps: Pick<Deps, "log">,
  routes: readonly RouteEntry[],
  family: ErrorFamily,
  { code, error, request, path }: FailedRequest,
): HttpError {
  if (code === "VALIDATION" && error instanceof ValidationError && error.type !== "response") {
    return family.invalidRequest(error);
  }
  if (code === "PARSE") return family.malformedBody();
  if (code === "NOT_FOUND") return answerNoRoute(routes, family, path);
  const tokenRequest = tokenContextOf(request);
  if (isDatabaseUnavailable(error)) {
    if (tokenRequest) countTokenOutcome(tokenRequest, "temporarily_unavailable");
    // Unreachable, restarting or timed out: worth a retry, and the node recovers by itself.
    deps.log.warn({ event: "database_unavailable", path, err: error }, "database unavailable");
    return family.unavailable(DATABASE_RETRY_AFTER_SECONDS);
  }
  if (tokenRequest) countTokenOutcome(tokenRequest, "server_error");
  deps.log.error({ event: "unhandled_error", path, code, err: error }, "unhandled error");
  return family.serverError();
}

/**
 * The one exit for errors. An error of the family renders itself (a refused token request
 * is also logged, with its log event, from the request's context); any other error is
 * first brought into the family its route group declared ({@link ErrorFamilies}).
 */
export async function answerError(
  deps: Pick<Deps, "log">,
  routes: readonly RouteEntry[],
  families: ErrorFamilies,
  failed: FailedRequest,
): Promise<Response> {
  const { error, request, path } = failed;
  if (error instanceof HttpError) {
    const tokenRequest = tokenContextOf(request);
    if (tokenRequest && error instanceof OAuthError) await recordTokenFailure(tokenRequest, error);
    return error.render();
  }
  return intoFamily(deps, routes, families.at(path), failed).render();
}
