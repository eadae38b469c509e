import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { SIGNING_ALGORITHMS } from "../model/signing-algorithms.ts";
import { authorizationServerMetadata } from "./authorization-server-metadata.ts";
import { userinfoUrl } from "./issuer-url.ts";

/**
 * The discovery documents: RFC 8414 / OpenID Connect Discovery 1.0 metadata and the
 * RFC 7517 JWK Set. `issuer` is the configured value verbatim (RFC 8414 §3.3: clients compare
 * it exactly); every URL is built from it by `issuerUrl` (issuer-url.ts).
 */
export function wellKnown(deps: Deps) {
  const issuer = deps.config.issuer;
  return new Elysia({ name: "well-known" })
    .get("/.well-known/openid-configuration", () => ({
      // OpenID Connect Discovery 1.0 §3 is RFC 8414's metadata plus the OpenID members.
      ...authorizationServerMetadata(issuer),
      userinfo_endpoint: userinfoUrl(issuer),
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
        "amr",
        "name",
        "nickname",
        "updated_at",
        "email",
        "email_verified",
      ],
    }))
    .get("/.well-known/jwks.json", () => deps.keys.jwks());
}
