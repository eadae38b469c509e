import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { GRANT_TYPES } from "../model/grant-types.ts";
import { SIGNING_ALGORITHMS } from "../model/signing-algorithms.ts";
import { TOKEN_ENDPOINT_AUTH_METHODS } from "../model/token-endpoint-auth-methods.ts";
import { OIDC_SCOPES } from "./resolve-scope.ts";

/**
 * The discovery documents: RFC 8414 / OpenID Connect Discovery 1.0 metadata and the
 * RFC 7517 JWK Set. Every URL is built from the configured issuer.
 */
export function wellKnown(deps: Deps) {
  const issuer = deps.config.issuer;
  return new Elysia({ name: "well-known" })
    .get("/.well-known/openid-configuration", () => ({
      issuer,
      token_endpoint: `${issuer}oauth/token`,
      revocation_endpoint: `${issuer}oauth/revoke`,
      userinfo_endpoint: `${issuer}userinfo`,
      jwks_uri: `${issuer}.well-known/jwks.json`,
      grant_types_supported: [...GRANT_TYPES],
      // RFC 8414 §2 requires the member; there is no authorization endpoint, so no response types.
      response_types_supported: [],
      token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
      revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
      scopes_supported: [...OIDC_SCOPES],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
      claims_supported: [
        "iss",
        "sub",
        "aud",
        "iat",
        "exp",
        "jti",
        "azp",
        "client_id",
        "scope",
        "gty",
        "auth_time",
        "name",
        "nickname",
        "updated_at",
        "email",
        "email_verified",
      ],
    }))
    .get("/.well-known/jwks.json", () => deps.keys.jwks());
}
