import type { Static } from "@sinclair/typebox";
import { literalUnion } from "./literal-union.ts";

/**
 * The JWS algorithms (RFC 7518 §3.1; EdDSA per RFC 8037 §3.1) tokens are signed with, one
 * per API, as Auth0's `signing_alg` (HS256 is left out: it needs a secret shared with the API).
 */
export const SIGNING_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;
export const SigningAlg = literalUnion(SIGNING_ALGORITHMS);
export type SigningAlg = Static<typeof SigningAlg>;

/** An API's algorithm unless it names one (Auth0's default too). */
export const DEFAULT_SIGNING_ALG: SigningAlg = "RS256";
