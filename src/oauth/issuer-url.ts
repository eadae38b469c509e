/**
 * The URL of one of this server's endpoints, under the configured issuer. RFC 8414 §2: the
 * issuer is an identifier compared verbatim (§3.3), so it is never rewritten; URLs built from
 * it get exactly one slash between the issuer and the path, whether or not the issuer ends
 * with one.
 * @param issuer the configured issuer, as given
 * @param path the endpoint's path, e.g. `oauth/token`
 */
export function issuerUrl(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** OpenID Connect Core §5.3: the userinfo endpoint's URL, also the audience of tokens good for it. */
export const userinfoUrl = (issuer: string): string => issuerUrl(issuer, "userinfo");

/**
 * The issuer's path component without a trailing slash (`/tenant1` for
 * `https://host/tenant1/`), or `""` for an issuer at the host's root: where the issuer's
 * endpoints are served (RFC 8414 §2: the issuer "MAY contain a path component").
 */
export const issuerPath = (issuer: string): string => new URL(issuer).pathname.replace(/\/+$/, "");
