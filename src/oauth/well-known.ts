import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { OIDC_SCOPES } from "./resolve-scope.ts";
import { GRANTS } from "./token-endpoint.ts";

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
      grant_types_supported: Object.keys(GRANTS),
      // RFC 8414 §2 requires the member; there is no authorization endpoint, so no response types.
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "none"],
      revocation_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "none"],
      scopes_supported: [...OIDC_SCOPES],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
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
