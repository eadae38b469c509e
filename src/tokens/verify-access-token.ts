import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import { isAccessTokenRevoked } from "../db/revoked-access-tokens.ts";
import type { Deps } from "../deps.ts";
import { SIGNING_ALGORITHMS } from "../model/signing-algorithms.ts";

/** An access token that verifies but was revoked by its client (RFC 7009 §2). */
export class AccessTokenRevoked extends Error {
  constructor() {
    super("the access token was revoked");
  }
}

/**
 * Verifies one of this server's RFC 9068 access tokens: signature against the published
 * keys, `typ: at+jwt`, issuer, lifetime (at the deps' clock), the audience when one is
 * given, and that its client has not revoked it (RFC 7009 §2, by `jti`).
 * @throws jose's errors for anything that does not verify; AccessTokenRevoked
 */
export async function verifyAccessToken(deps: Deps, token: string, audience?: string): Promise<JWTPayload> {
  const keys = createLocalJWKSet(await deps.keys.jwks());
  const { payload } = await jwtVerify(token, keys, {
    issuer: deps.config.issuer,
    ...(audience === undefined ? {} : { audience }),
    typ: "at+jwt",
    currentDate: deps.clock.now(),
    algorithms: [...SIGNING_ALGORITHMS],
  });
  if (
    typeof payload.jti === "string" &&
    (await isAccessTokenRevoked(deps.db, payload.jti, deps.clock.now()))
  ) {
    throw new AccessTokenRevoked();
  }
  return payload;
}
