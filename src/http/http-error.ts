import { noStoreJson } from "./no-store.ts";

/**
 * The base of the server's error families: the OAuth errors (`src/oauth/errors.ts`,
 * RFC 6749 §5.2 and RFC 6750 §3.1) and the Management API's (`src/management/api-error.ts`,
 * Auth0's shape). Each error renders itself, so a route that throws one decides nothing
 * about the answer's shape, and the one error exit only calls {@link HttpError.render}.
 * Only {@link HttpError.toBody} leaves the server: never the stack, never a detail.
 */
export abstract class HttpError extends Error {
  /** Headers the answer carries: `WWW-Authenticate`, `Retry-After`, `Allow`. */
  readonly headers: Record<string, string> = {};

  constructor(
    /** The HTTP status of the answer. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  /** The body the client sees, in its family's shape. */
  abstract toBody(): object;

  /**
   * The answer: the body as JSON with the error's headers, never cached (RFC 6749 §5.1 for
   * the OAuth endpoints; Management API answers can carry secrets).
   */
  render(): Response {
    return noStoreJson(this.toBody(), this.status, this.headers);
  }
}
