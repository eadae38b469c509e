import type { ValidationError } from "elysia";
import type { ErrorFamily } from "../http/error-family.ts";
import { HttpError } from "../http/http-error.ts";

const NAMES: Record<number, string> = {
  400: "BadRequestError",
  404: "NotFoundError",
  405: "MethodNotAllowedError",
  429: "TooManyRequestsError",
  500: "InternalServerError",
  503: "ServiceUnavailableError",
};

/**
 * An error of Auth0's Authentication API outside `/oauth` (its `/dbconnections/*` endpoints):
 * `{name, code, description, statusCode}`, and for a refused password Auth0's `message` and
 * `policy` besides (Auth0's Authentication API, "Signup" and "Change Password").
 */
export class AuthApiError extends HttpError {
  constructor(
    status: number,
    readonly code: string,
    readonly description: string | object,
    readonly extra: { name?: string; message?: string; policy?: string } = {},
    headers: Record<string, string> = {},
  ) {
    super(status, typeof description === "string" ? description : (extra.message ?? code));
    Object.assign(this.headers, headers);
    this.name = "AuthApiError";
  }

  toBody() {
    return {
      name: this.extra.name ?? NAMES[this.status] ?? "Error",
      ...(this.extra.message === undefined ? {} : { message: this.extra.message }),
      code: this.code,
      description: this.description,
      ...(this.extra.policy === undefined ? {} : { policy: this.extra.policy }),
      statusCode: this.status,
    };
  }
}

/** Auth0's answer to a request over a rate limit, with RFC 6585's 429 and Retry-After. */
export const tooManyAttempts = (retryAfterSeconds: number) =>
  new AuthApiError(
    429,
    "too_many_attempts",
    "Too many requests. Try again later.",
    {},
    {
      "retry-after": String(retryAfterSeconds),
    },
  );

/** The property a schema failure names, without the value sent (it may be a password). */
const propertyOf = (error: ValidationError) => {
  const first = error.all[0] as { path?: string } | undefined;
  return (first?.path ?? "").replace(/^\//, "").replace(/\//g, ".");
};

/**
 * The `/dbconnections` family: a schema failure is a 400 `invalid_body` naming the property,
 * a body that does not parse a 400 too, a method the path does not have a 405 with `Allow`,
 * an unreachable database a 503, anything else a 500; all in Auth0's shape.
 */
export const authApiErrorFamily: ErrorFamily = {
  invalidRequest: (error) => {
    const property = propertyOf(error);
    return new AuthApiError(
      400,
      "invalid_body",
      property ? `Invalid or missing property: ${property}` : "Invalid request body",
    );
  },
  malformedBody: () => new AuthApiError(400, "invalid_body", "The request body is malformed."),
  methodNotAllowed: (allow) =>
    new AuthApiError(405, "method_not_allowed", `Method not allowed; allowed: ${allow}.`, {}, { allow }),
  unavailable: (retryAfterSeconds) =>
    new AuthApiError(
      503,
      "temporarily_unavailable",
      "The database is unavailable; retry shortly.",
      {},
      {
        "retry-after": String(retryAfterSeconds),
      },
    ),
  serverError: () => new AuthApiError(500, "internal_error", "Internal error."),
};
