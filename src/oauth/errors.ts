import { HttpError } from "../http/http-error.ts";

/** Longest `error_description` sent: a description that quotes input stays short. */
const DESCRIPTION_LIMIT = 200;

/**
 * RFC 6749 §5.2: `error_description` may only hold %x20-21 / %x23-5B / %x5D-7E (printable
 * ASCII without `"` and `\`), which also keeps it safe inside the quoted-string of an
 * RFC 6750 §3 challenge. `"` becomes `'`, `\` `/`, `§` "section ", other whitespace a
 * space; accents are stripped and any other character dropped; the result is cut at
 * {@link DESCRIPTION_LIMIT} characters.
 */
export function errorDescription(text: string): string {
  const allowed = text
    .replace(/"/g, "'")
    .replace(/\\/g, "/")
    .replace(/§\s*/g, "section ")
    .replace(/\s/g, " ")
    .normalize("NFKD")
    .replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "");
  return allowed.length > DESCRIPTION_LIMIT ? `${allowed.slice(0, DESCRIPTION_LIMIT - 3)}...` : allowed;
}

/**
 * The OAuth 2.0 error family (RFC 6749 §5.2, RFC 6750 §3.1). Only `error` and
 * `error_description` leave the server; `detail` is for the logs. The description is
 * kept to RFC 6749 §5.2's characters ({@link errorDescription}).
 */
export class OAuthError extends HttpError {
  readonly description: string;

  constructor(
    readonly error: string,
    status: number,
    description: string,
    readonly detail?: string,
  ) {
    const allowed = errorDescription(description);
    super(status, allowed);
    this.description = allowed;
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
 * 429 `too_many_attempts`, with `Retry-After` (RFC 9110 §10.2.3, RFC 6585 §4) in whole
 * seconds when the block's end is known.
 */
export class TooManyAttempts extends OAuthError {
  constructor(description: string, detail?: string, retryAfterSeconds?: number) {
    super("too_many_attempts", 429, description, detail);
    if (retryAfterSeconds !== undefined)
      this.headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/** RFC 6749 §5.2 (via §4.1.2.1): an unexpected condition; the detail goes to the logs only. */
export class ServerError extends OAuthError {
  constructor(description = "The server encountered an unexpected condition.", detail?: string) {
    super("server_error", 500, description, detail);
  }
}

/**
 * RFC 6749 §4.1.2.1: the server is overloaded (a full rule queue) or cannot reach its
 * database, with `Retry-After` (RFC 9110 §10.2.3) in seconds when a retry soon will do.
 */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description: string, retryAfterSeconds?: number) {
    super("temporarily_unavailable", 503, description);
    if (retryAfterSeconds !== undefined) this.headers["retry-after"] = String(retryAfterSeconds);
  }
}

/** A body larger than the endpoint accepts: still an RFC `invalid_request`, with 413. */
export class PayloadTooLarge extends OAuthError {
  constructor(limitBytes: number) {
    super("invalid_request", 413, `The request body is larger than ${limitBytes} bytes.`);
  }
}

/**
 * A request method the path does not have: RFC 9110 §15.5.6 405 with `Allow` (§10.2.1),
 * the body an RFC 6749 §5.2 `invalid_request`.
 */
export class MethodNotAllowed extends OAuthError {
  /** @param allow the path's methods, as the `Allow` header lists them ("GET, POST") */
  constructor(allow: string) {
    super("invalid_request", 405, `The method is not allowed here; allowed: ${allow}.`);
    this.headers.allow = allow;
  }
}

/** RFC 6750 §3: the Bearer challenge of a protected resource (/userinfo). */
const BEARER_REALM = 'Bearer realm="rulegate"';

/**
 * RFC 6750 §3: a protected resource's error names itself in its `WWW-Authenticate` challenge,
 * with the `scope` it needs for `insufficient_scope`. The description is already free of `"`
 * and `\` ({@link errorDescription}), so it is a valid quoted-string.
 */
export function withBearerChallenge<E extends OAuthError>(error: E, scope?: string): E {
  const needed = scope === undefined ? "" : `, scope="${errorDescription(scope)}"`;
  error.headers["www-authenticate"] =
    `${BEARER_REALM}, error="${error.error}", error_description="${error.description}"${needed}`;
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

/**
 * RFC 6750 §3.1 `insufficient_scope` (403): the token lacks the scope the resource needs;
 * the challenge names that scope (§3).
 */
export class InsufficientScope extends OAuthError {
  constructor(description: string, scope?: string) {
    super("insufficient_scope", 403, description);
    withBearerChallenge(this, scope);
  }
}

/**
 * Auth0's answer to a password exchange that needs a second factor (Auth0, "Multi-factor
 * authentication with the Resource Owner Password Grant"): 403 `mfa_required` with the
 * `mfa_token` the MFA API and the MFA grants take, and what the user can do with it
 * (`mfa_requirements`: `challenge` with the factors they have, or `enroll`).
 */
export class MfaRequired extends OAuthError {
  constructor(
    readonly mfaToken: string,
    readonly requirements: { challenge?: { type: string }[]; enroll?: { type: string }[] },
  ) {
    super("mfa_required", 403, "Multifactor authentication required");
  }

  override toBody() {
    return { ...super.toBody(), mfa_token: this.mfaToken, mfa_requirements: this.requirements };
  }
}

/** Auth0's MFA API: the user cannot be challenged with the factor asked for (not enrolled, or the factor is off). */
export class UnsupportedChallengeType extends OAuthError {
  constructor(description: string, detail?: string) {
    super("unsupported_challenge_type", 400, description, detail);
  }
}

/** Auth0's MFA API: the `mfa_token` has expired or was used (the user logs in again). */
export class ExpiredToken extends OAuthError {
  constructor(description: string, detail?: string) {
    super("expired_token", 400, description, detail);
  }
}
