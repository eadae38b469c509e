import { Elysia } from "elysia";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { bearerToken } from "../http/bearer-token.ts";
import { noStoreJson } from "../http/no-store.ts";
import { verifyAccessToken } from "../tokens/verify-access-token.ts";
import { InsufficientScope, InvalidRequest, InvalidToken, withBearerChallenge } from "./errors.ts";
import { userinfoUrl } from "./issuer-url.ts";
import { standardClaims } from "./standard-claims.ts";

/**
 * `GET`/`POST /userinfo` (OpenID Connect Core §5.3): for an access token of this server
 * that carries `openid`, sent as an RFC 6750 bearer token, returns `sub` and the claims
 * its scope releases. Refusals are RFC 6750 §3.1 errors with their Bearer challenge.
 */
export function userinfo(deps: Deps) {
  const userinfoAudience = userinfoUrl(deps.config.issuer);
  const handle = async ({ request }: { request: Request }) => {
    const header = request.headers.get("authorization");
    if (!header) throw new InvalidToken("An access token is required.", { tokenSent: false });
    const token = bearerToken(header);
    if (token === undefined)
      throw withBearerChallenge(new InvalidRequest("The Authorization header is not a Bearer token."));
    // Signature, issuer, lifetime, and not revoked by its client (RFC 7009 §2).
    const payload = await verifyAccessToken(deps, token);
    if (!payload) throw new InvalidToken("The access token is invalid or expired.");
    // RFC 6750 §3.1: a valid token of this server without the scope the resource needs is
    // 403 insufficient_scope (a token gets the userinfo audience exactly when `openid` is granted).
    const scope = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
    if (!scope.includes("openid"))
      throw new InsufficientScope("The access token lacks the openid scope.", "openid");
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    // RFC 9068 §4: a token whose `aud` is not this resource is `invalid_token`.
    if (!audiences.includes(userinfoAudience))
      throw new InvalidToken("The access token is not for userinfo.");
    const user = payload.sub ? await findUserById(deps.db, payload.sub) : undefined;
    if (!user) throw new InvalidToken("The access token's user no longer exists.");
    return noStoreJson({ sub: user.id, ...standardClaims(user, scope) });
  };
  return new Elysia({ name: "userinfo" })
    .get("/userinfo", handle)
    .post("/userinfo", handle, { parse: "none" });
}
