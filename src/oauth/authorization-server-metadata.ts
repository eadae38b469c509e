import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { GRANT_TYPES } from "../model/grant-types.ts";
import { TOKEN_ENDPOINT_AUTH_METHODS } from "../model/token-endpoint-auth-methods.ts";
import { issuerPath, issuerUrl } from "./issuer-url.ts";
import { OIDC_SCOPES } from "./resolve-scope.ts";

/**
 * RFC 8414 §2 authorization server metadata for `issuer`: the members of
 * `/.well-known/openid-configuration` that RFC 8414 defines, from the same vocabulary
 * (`model/`) and the same issuer-relative URLs ({@link issuerUrl}).
 */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    token_endpoint: issuerUrl(issuer, "oauth/token"),
    jwks_uri: issuerUrl(issuer, ".well-known/jwks.json"),
    scopes_supported: [...OIDC_SCOPES],
    // RFC 8414 §2 requires the member; there is no authorization endpoint, so no response types.
    response_types_supported: [],
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint: issuerUrl(issuer, "oauth/revoke"),
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    introspection_endpoint: issuerUrl(issuer, "oauth/introspect"),
    introspection_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
  };
}

/**
 * `GET /.well-known/oauth-authorization-server` (RFC 8414 §3): the metadata of this server.
 * RFC 8414 §3.1 inserts the well-known segment between the host and an issuer's path, so
 * issuer `https://host/tenant1` is also described at
 * `/.well-known/oauth-authorization-server/tenant1`, always at the host's root.
 */
export function authorizationServerMetadataRoute(deps: Deps) {
  const issuer = deps.config.issuer;
  const metadata = () => authorizationServerMetadata(issuer);
  const app = new Elysia({ name: "authorization-server-metadata" }).get(
    "/.well-known/oauth-authorization-server",
    metadata,
  );
  const path = issuerPath(issuer);
  return path ? app.get(`/.well-known/oauth-authorization-server${path}`, metadata) : app;
}
