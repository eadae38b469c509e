import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { noStoreJson } from "../http/no-store.ts";
import { requestIdOf } from "../http/request-id.ts";
import { InvalidRequest, OAuthError, UnsupportedGrantType } from "./errors.ts";
import type { GrantHandler } from "./grants/grant.ts";
import { passwordGrant } from "./grants/password.ts";
import { readTokenRequest } from "./read-token-request.ts";

/** The grant types this server implements, by their RFC 6749 name. */
export const GRANTS: Record<string, GrantHandler> = {
  password: passwordGrant,
};

/**
 * `POST /oauth/token` (RFC 6749 §3.2). The body is read by hand (`parse: "none"`) so that
 * size limits, repeated parameters and both content types get RFC errors, not Elysia's.
 */
export function tokenEndpoint(deps: Deps) {
  return new Elysia({ name: "oauth-token" }).post(
    "/oauth/token",
    async ({ request }) => {
      const requestId = requestIdOf(request);
      try {
        const params = await readTokenRequest(request);
        if (params.grant_type === undefined)
          throw new InvalidRequest("Missing required parameter: grant_type");
        const grant = Object.hasOwn(GRANTS, params.grant_type) ? GRANTS[params.grant_type] : undefined;
        if (!grant)
          throw new UnsupportedGrantType(`Unsupported grant_type: ${params.grant_type.slice(0, 64)}`);
        const tokens = await grant({ deps, request, params, requestId });
        deps.log.info({ event: "token_issued", request_id: requestId, grant_type: params.grant_type });
        return noStoreJson(tokens, 200, { "x-request-id": requestId });
      } catch (error) {
        if (error instanceof OAuthError) {
          error.headers["x-request-id"] = requestId;
          deps.log.info({
            event: "token_failed",
            request_id: requestId,
            error: error.error,
            description: error.description,
            detail: error.detail,
          });
        }
        throw error;
      }
    },
    { parse: "none" },
  );
}
