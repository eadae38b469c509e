import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { constantTimeEqual } from "../security/constant-time-equal.ts";
import { secretDigest } from "../security/secret-digest.ts";
import { verifyAccessToken } from "../tokens/verify-access-token.ts";
import { ApiError } from "./api-error.ts";
import { managementAudience } from "./management-api.ts";
import { scopesForRoute } from "./management-scopes.ts";

/** Auth0's answer for a Management API token that does not verify. */
const invalidToken = () => new ApiError(401, "Invalid token", "invalid_token");

/** A compact JWS (RFC 7515 §7.1): what an access token looks like, and the admin key does not. */
const looksLikeJwt = (credential: string) => credential.split(".").length === 3;

/**
 * A Management API access token (Auth0's client credentials tokens for `<issuer>api/v2/`):
 * verified like any access token of this server (signature, issuer, audience, expiry, not
 * revoked), then its scope against the route's (management-scopes.ts): Auth0's 403
 * `insufficient_scope` when it holds none of them.
 */
async function authorizeToken(deps: Deps, token: string, method: string, route: string): Promise<void> {
  const payload = await verifyAccessToken(deps, token, managementAudience(deps.config.issuer));
  if (!payload) throw invalidToken();
  const needed = scopesForRoute(method, route) ?? [];
  const held = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
  if (!needed.some((scope) => held.includes(scope))) {
    throw new ApiError(403, `Insufficient scope, expected any of: ${needed.join(",")}`, "insufficient_scope");
  }
}

/**
 * Guards the routes of the plugin that uses it (RFC 6750 §2.1 bearer credentials): the admin
 * key (README, "Configuration"), the root credential that may call every route, compared in
 * constant time against its stored digest; or a Management API access token holding one of
 * the route's scopes (README, "Management API tokens").
 */
export function adminAuth(deps: Deps) {
  return new Elysia().onBeforeHandle({ as: "scoped" }, async ({ request, route }) => {
    const header = request.headers.get("authorization") ?? "";
    const credential = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (credential && constantTimeEqual(secretDigest(credential), deps.adminKeyDigest)) return;
    if (credential && looksLikeJwt(credential))
      return authorizeToken(deps, credential, request.method, route);
    throw new ApiError(401, "Missing or invalid management API key.", "invalid_token");
  });
}
