/**
 * The OAuth 2.0 error family (RFC 6749 §5.2, RFC 6750 §3.1). Only `error` and
 * `error_description` leave the server; `detail` is for the logs.
 */
export class OAuthError extends Error {
  /** Extra response headers, e.g. `WWW-Authenticate` for a client that used HTTP Basic. */
  headers: Record<string, string> = {};

  constructor(
    readonly error: string,
    readonly status: number,
    readonly description: string,
    readonly detail?: string,
  ) {
    super(description);
    this.name = "OAuthError";
  }

  /** The RFC 6749 §5.2 response body. */
  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/** RFC 6749 §5.2: missing or repeated parameter, malformed request. */
export class InvalidRequest extends OAuthError {
  constructor(description: string, detail?: string) {
    super("invalid_request", 400, description, detail);
  }
}

/** RFC 6749 §5.2: client authentication failed (401; `WWW-Authenticate` when Basic was used). */
export class InvalidClient extends OAuthError {
  constructor(description: string, options: { usedBasic?: boolean; detail?: string } = {}) {
    super("invalid_client", 401, description, options.detail);
    if (options.usedBasic) this.headers["www-authenticate"] = 'Basic realm="rulegate", charset="UTF-8"';
  }
}

/** RFC 6749 §5.2: bad resource owner credentials or refresh token. */
export class InvalidGrant extends OAuthError {
  constructor(description: string, detail?: string) {
    super("invalid_grant", 400, description, detail);
  }
}

/** RFC 6749 §5.2: the client may not use this grant type. */
export class UnauthorizedClient extends OAuthError {
  constructor(description: string) {
    super("unauthorized_client", 400, description);
  }
}

/** RFC 6749 §5.2: the server does not support this grant type. */
export class UnsupportedGrantType extends OAuthError {
  constructor(description: string) {
    super("unsupported_grant_type", 400, description);
  }
}

/** RFC 6749 §5.2: the scope is invalid, unknown or exceeds what was granted. */
export class InvalidScope extends OAuthError {
  constructor(description: string) {
    super("invalid_scope", 400, description);
  }
}

/** RFC 6749 §4.1.2.1: the resource owner or the server denied the request (Auth0 answers 403). */
export class AccessDenied extends OAuthError {
  constructor(description: string, detail?: string) {
    super("access_denied", 403, description, detail);
  }
}

/**
 * Auth0's brute-force protection answer (Auth0 docs, "Brute-Force Protection"; SECURITY.md):
 * 429 `too_many_attempts`.
 */
export class TooManyAttempts extends OAuthError {
  constructor(description: string, detail?: string) {
    super("too_many_attempts", 429, description, detail);
  }
}

/** RFC 6749 §5.2 (via §4.1.2.1): an unexpected condition; the detail goes to the logs only. */
export class ServerError extends OAuthError {
  constructor(description = "The server encountered an unexpected condition.", detail?: string) {
    super("server_error", 500, description, detail);
  }
}

/** RFC 6749 §4.1.2.1: the server is overloaded (a full rule queue). */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description: string) {
    super("temporarily_unavailable", 503, description);
  }
}

/** A body larger than the endpoint accepts: still an RFC `invalid_request`, with 413. */
export class PayloadTooLarge extends OAuthError {
  constructor(limitBytes: number) {
    super("invalid_request", 413, `The request body is larger than ${limitBytes} bytes.`);
  }
}

/** RFC 6750 §3: the Bearer challenge of a protected resource (/userinfo). */
const BEARER_REALM = 'Bearer realm="rulegate"';

/** RFC 6750 §3: a protected resource's error names itself in its `WWW-Authenticate` challenge. */
export function withBearerChallenge<E extends OAuthError>(error: E): E {
  error.headers["www-authenticate"] =
    `${BEARER_REALM}, error="${error.error}", error_description="${error.description}"`;
  return error;
}

/**
 * RFC 6750 §3.1 `invalid_token` (401): the access token is missing, expired, revoked or
 * malformed. §3.1: a request that carried no token at all gets the bare challenge, without
 * an error code.
 */
export class InvalidToken extends OAuthError {
  constructor(description: string, options: { tokenSent?: boolean } = {}) {
    super("invalid_token", 401, description);
    if (options.tokenSent === false) this.headers["www-authenticate"] = BEARER_REALM;
    else withBearerChallenge(this);
  }
}

/** RFC 6750 §3.1 `insufficient_scope` (403): the token lacks the scope the resource needs. */
export class InsufficientScope extends OAuthError {
  constructor(description: string) {
    super("insufficient_scope", 403, description);
    withBearerChallenge(this);
  }
}
