import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { clientIp } from "../http/client-ip.ts";
import { noStoreJson } from "../http/no-store.ts";
import { requestIdOf } from "../http/request-id.ts";
import type { LogType } from "../logs/event-log.ts";
import { type Audit, InvalidRequest, OAuthError, UnsupportedGrantType } from "./errors.ts";
import type { GrantHandler } from "./grants/grant.ts";
import { passwordGrant } from "./grants/password.ts";
import { refreshTokenGrant } from "./grants/refresh-token.ts";
import { readTokenRequest, type TokenParams } from "./read-token-request.ts";

/** The grant types this server implements, by their RFC 6749 name, with their log event codes. */
export const GRANTS: Record<
  string,
  { handle: GrantHandler; success: LogType; failure: LogType; done: string }
> = {
  password: {
    handle: passwordGrant,
    success: "sepft",
    failure: "fepft",
    done: "Password exchanged for tokens",
  },
  refresh_token: {
    handle: refreshTokenGrant,
    success: "sertft",
    failure: "fertft",
    done: "Refresh token exchanged for tokens",
  },
};

/** What the request itself says about its client, user and API, before any step ran. */
function requestAudit(params: TokenParams | undefined): Audit {
  const clip = (value: string | undefined) => value?.slice(0, 256);
  return {
    clientId: clip(params?.client_id),
    userName: clip(params?.username),
    audience: clip(params?.audience),
    scope: clip(params?.scope),
  };
}

/**
 * `POST /oauth/token` (RFC 6749 §3.2). The body is read by hand (`parse: "none"`) so that
 * size limits, repeated parameters and both content types get RFC errors, not Elysia's.
 * Every answer is a log event: the grant's success code, or its failure code with the reason.
 */
export function tokenEndpoint(deps: Deps) {
  return new Elysia({ name: "oauth-token" }).post(
    "/oauth/token",
    async ({ request }) => {
      const requestId = requestIdOf(request);
      const where = { requestId, ip: clientIp(request), userAgent: request.headers.get("user-agent") };
      let params: TokenParams | undefined;
      try {
        params = await readTokenRequest(request);
        if (params.grant_type === undefined)
          throw new InvalidRequest("Missing required parameter: grant_type");
        const grant = Object.hasOwn(GRANTS, params.grant_type) ? GRANTS[params.grant_type] : undefined;
        if (!grant)
          throw new UnsupportedGrantType(`Unsupported grant_type: ${params.grant_type.slice(0, 64)}`);
        const { tokens, audit } = await grant.handle({ deps, request, params, requestId });
        await deps.events.record({
          type: grant.success,
          description: grant.done,
          ...where,
          ...audit,
          details: { grant_type: params.grant_type },
        });
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
          const grantType = params?.grant_type;
          const grant =
            grantType !== undefined && Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined;
          await deps.events.record({
            type: grant?.failure ?? "fepft",
            description: error.description,
            ...where,
            ...requestAudit(params),
            ...error.audit,
            details: { error: error.error, reason: error.detail, grant_type: grantType?.slice(0, 64) },
          });
        }
        throw error;
      }
    },
    { parse: "none" },
  );
}
