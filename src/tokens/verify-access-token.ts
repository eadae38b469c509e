import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { Deps } from "../deps.ts";
import { SIGNING_ALGORITHMS } from "../model/signing-algorithms.ts";

/**
 * Verifies one of this server's RFC 9068 access tokens for `audience`: signature against
 * the published keys, `typ: at+jwt`, issuer, audience and lifetime (at the deps' clock).
 * @throws jose's errors for anything that does not verify
 */
export async function verifyAccessToken(deps: Deps, token: string, audience: string): Promise<JWTPayload> {
  const keys = createLocalJWKSet(await deps.keys.jwks());
  const { payload } = await jwtVerify(token, keys, {
    issuer: deps.config.issuer,
    audience,
    typ: "at+jwt",
    currentDate: deps.clock.now(),
    algorithms: [...SIGNING_ALGORITHMS],
  });
  return payload;
}
