import type { ValidationError } from "elysia";
import type { HttpError } from "./http-error.ts";

/**
 * How a surface brings an error that is not of its family into it, so that every answer of
 * a route group has that group's shape (RFC 6749 §5.2 on the OAuth endpoints, Auth0's on the
 * Management API). Each group declares its family once, where it is mounted
 * (`error-families.ts`); the one error exit asks the family, never the path.
 */
export interface ErrorFamily {
  /** The request failed its schema (Elysia's `VALIDATION`). */
  invalidRequest(error: ValidationError): HttpError;
  /** The body could not be parsed (Elysia's `PARSE`). */
  malformedBody(): HttpError;
  /** RFC 9110 §15.5.6: the path has routes, for other methods; `allow` lists them. */
  methodNotAllowed(allow: string): HttpError;
  /** The database cannot answer for now: a retry in `retryAfterSeconds` may succeed. */
  unavailable(retryAfterSeconds: number): HttpError;
  /** Anything else: a generic 500, its detail for the log only. */
  serverError(): HttpError;
}
