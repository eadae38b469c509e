import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import { isAccessTokenRevoked } from "../db/revoked-access-tokens.ts";
import type { Deps } from "../deps.ts";
import { SIGNING_ALGORITHMS } from "../model/signing-algorithms.ts";

/**
 * Verifies one of this server's RFC 9068 access tokens: signature against the published
 * keys, `typ: at+jwt`, issuer, lifetime (at the deps' clock), the audience when one is
 * given, and that its client has not revoked it (RFC 7009 §2, by `jti`).
 * @returns its payload, or undefined for a token that does not verify or was revoked
 * @throws only what the database throws (an unavailable database is a 503, not a bad token)
 */
export async function verifyAccessToken(
  deps: Deps,
  token: string,
  audience?: string,
): Promise<JWTPayload | undefined> {
  const keys = createLocalJWKSet(await deps.keys.jwks());
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: deps.config.issuer,
      ...(audience === undefined ? {} : { audience }),
      typ: "at+jwt",
      currentDate: deps.clock.now(),
      algorithms: [...SIGNING_ALGORITHMS],
    }));
  } catch {
    return undefined;
  }
  const revoked =
    typeof payload.jti === "string" && (await isAccessTokenRevoked(deps.db, payload.jti, deps.clock.now()));
  return revoked ? undefined : payload;
}
