import { Type as t } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { clientIp } from "../http/client-ip.ts";
import { NO_STORE } from "../http/no-store.ts";
import { requestIdOf } from "../http/request-id.ts";
import { revokeRefreshToken } from "../tokens/refresh-tokens.ts";
import { authenticateClient } from "./authenticate-client.ts";
import { readTokenRequest } from "./read-token-request.ts";
import { validateParams } from "./validate-params.ts";

/** RFC 7009 §2.1 parameters. */
export const RevocationParams = t.Object({
  token: t.String({ maxLength: 4096 }),
  token_type_hint: t.Optional(t.String({ maxLength: 64 })),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});

/**
 * `POST /oauth/revoke` (RFC 7009). The client authenticates as at the token endpoint;
 * a refresh token of that client (live or already rotated) revokes its whole family.
 * Access tokens are self-contained JWTs and expire on their own. §2.2: unknown tokens,
 * and tokens of other clients, get the same 200 so nothing is revealed. Errors leave
 * through the app's one error exit, with the request's id like the success.
 */
export function revocationEndpoint(deps: Deps) {
  return new Elysia({ name: "oauth-revoke" }).post(
    "/oauth/revoke",
    async ({ request }) => {
      const requestId = requestIdOf(request);
      const params = await readTokenRequest(request);
      const { client } = await authenticateClient({ deps, request, params });
      const { token } = validateParams(RevocationParams, params);
      const familyId = await revokeRefreshToken(deps, token, client);
      if (familyId) {
        await deps.events.record({
          type: "srrt",
          description: "Refresh token revoked by the client",
          requestId,
          ip: clientIp(request),
          userAgent: request.headers.get("user-agent"),
          clientId: client.clientId,
          clientName: client.name,
          details: { family_id: familyId },
        });
      }
      return new Response(null, { status: 200, headers: NO_STORE });
    },
    { parse: "none" },
  );
}
