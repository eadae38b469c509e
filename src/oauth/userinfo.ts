import { Elysia } from "elysia";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { noStoreJson } from "../http/no-store.ts";
import { verifyAccessToken } from "../tokens/verify-access-token.ts";
import { standardClaims } from "./standard-claims.ts";

/** RFC 6750 §3: a Bearer challenge, with the error when the client sent a token. */
function challenge(
  status: number,
  error?: "invalid_request" | "invalid_token" | "insufficient_scope",
  description?: string,
) {
  const attributes = ['realm="rulegate"'];
  if (error) attributes.push(`error="${error}"`);
  if (description) attributes.push(`error_description="${description}"`);
  const body = error
    ? { error, error_description: description ?? error }
    : { error: "invalid_token", error_description: "An access token is required." };
  return noStoreJson(body, status, { "www-authenticate": `Bearer ${attributes.join(", ")}` });
}

/**
 * `GET`/`POST /userinfo` (OpenID Connect Core §5.3): for an access token of this server
 * that carries `openid`, sent as an RFC 6750 bearer token, returns `sub` and the claims
 * its scope releases.
 */
export function userinfo(deps: Deps) {
  const userinfoAudience = `${deps.config.issuer}userinfo`;
  const handle = async ({ request }: { request: Request }) => {
    const header = request.headers.get("authorization");
    if (!header) return challenge(401);
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
    if (!match) return challenge(400, "invalid_request", "The Authorization header is not a Bearer token.");
    let payload: Awaited<ReturnType<typeof verifyAccessToken>>;
    try {
      payload = await verifyAccessToken(deps, match[1]!, userinfoAudience);
    } catch {
      return challenge(401, "invalid_token", "The access token is invalid or expired.");
    }
    const scope = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
    if (!scope.includes("openid"))
      return challenge(403, "insufficient_scope", "The access token lacks the openid scope.");
    const user = payload.sub ? await findUserById(deps.db, payload.sub) : undefined;
    if (!user) return challenge(401, "invalid_token", "The access token's user no longer exists.");
    return noStoreJson({ sub: user.id, ...standardClaims(user, scope) });
  };
  return new Elysia({ name: "userinfo" })
    .get("/userinfo", handle)
    .post("/userinfo", handle, { parse: "none" });
}
