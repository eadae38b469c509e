import type { Static } from "@sinclair/typebox";
import { literalUnion } from "./literal-union.ts";

/**
 * How a client authenticates at the token endpoint (RFC 7591 §2): the secret in the body
 * or in HTTP Basic (RFC 6749 §2.3.1), or not at all for a public client.
 */
export const TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "client_secret_basic", "none"] as const;
export const TokenEndpointAuthMethod = literalUnion(TOKEN_ENDPOINT_AUTH_METHODS);
export type TokenEndpointAuthMethod = Static<typeof TokenEndpointAuthMethod>;

/** A client's method unless it names one (Auth0's default for the password grant's clients). */
export const DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD: TokenEndpointAuthMethod = "client_secret_post";
