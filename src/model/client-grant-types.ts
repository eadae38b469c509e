import type { Static } from "@sinclair/typebox";
import { GRANT_TYPES } from "./grant-types.ts";
import { literalUnion } from "./literal-union.ts";

/**
 * The grant types a client may list: Auth0's documented names (Management API v2,
 * `grant_types` of a client). A client may list a grant this server does not serve (yet);
 * the token endpoint serves only `GRANT_TYPES`, and answers `unsupported_grant_type` to the
 * others whatever the client lists.
 */
export const CLIENT_GRANT_TYPES = [
  ...GRANT_TYPES,
  "authorization_code",
  "implicit",
  "http://auth0.com/oauth/grant-type/mfa-oob",
  "http://auth0.com/oauth/grant-type/passwordless/otp",
  "urn:ietf:params:oauth:grant-type:device_code",
  "urn:ietf:params:oauth:grant-type:token-exchange",
  "urn:openid:params:grant-type:ciba",
] as const;
export const ClientGrantType = literalUnion(CLIENT_GRANT_TYPES);
export type ClientGrantType = Static<typeof ClientGrantType>;
