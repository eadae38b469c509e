/**
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`. The scheme name is
 * case-insensitive (RFC 7235 §2.1, RFC 9110 §11.1), so `bearer` is as good as `Bearer`.
 */
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The bearer token of an `Authorization` header value.
 * @returns the b64token, or undefined when the header is not RFC 6750 §2.1 Bearer credentials
 */
export function bearerToken(header: string): string | undefined {
  return BEARER_CREDENTIALS.exec(header)?.[1];
}
