import { HttpError } from "../http/http-error.ts";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  411: "Length Required",
  413: "Payload Too Large",
  405: "Method Not Allowed",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * A Management API error, answered in Auth0's shape `{statusCode, error, message, errorCode}`
 * (Auth0 Management API v2); a member of the server's error family
 * ({@link HttpError}), so it renders itself.
 */
export class ApiError extends HttpError {
  constructor(
    statusCode: number,
    message: string,
    readonly errorCode: string,
    /** Headers the answer carries (`Retry-After` on a 503, `Allow` on a 405). */
    headers: Record<string, string> = {},
  ) {
    super(statusCode, message);
    Object.assign(this.headers, headers);
    this.name = "ApiError";
  }

  /** Auth0's name for the status. */
  get statusCode(): number {
    return this.status;
  }

  /** Auth0's body: the status, its reason phrase, the message and the error code. */
  toBody() {
    return {
      statusCode: this.statusCode,
      error: REASONS[this.statusCode] ?? "Error",
      message: this.message,
      errorCode: this.errorCode,
    };
  }
}

export const badRequest = (message: string) => new ApiError(400, message, "invalid_body");
export const notFound = (what: string) =>
  new ApiError(404, `The ${what} does not exist.`, "inexistent_entity");
export const conflict = (message: string) => new ApiError(409, message, "already_exists");
/** RFC 9110 §15.6.4 with §10.2.3's Retry-After: the node is busy, a retry shortly will do. */
export const temporarilyUnavailable = (message: string, retryAfterSeconds: number) =>
  new ApiError(503, message, "temporarily_unavailable", { "retry-after": String(retryAfterSeconds) });

/** A query parameter Auth0's search cannot take: Auth0's `invalid_query_string`, naming the parameter. */
export const invalidQuery = (reason: string, parameter: string) =>
  new ApiError(400, `Query validation error: '${reason}' on property ${parameter}.`, "invalid_query_string");

/** A path with no route at all: Auth0's 404, the answer of every surface. */
export const noRoute = (path: string) => new ApiError(404, `No route for ${path}.`, "not_found");
