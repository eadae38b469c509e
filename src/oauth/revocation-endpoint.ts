import { Type as t } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { ClientRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { clientIp } from "../http/client-ip.ts";
import { NO_STORE } from "../http/no-store.ts";
import { requestIdOf } from "../http/request-id.ts";
import { revokeRefreshToken } from "../tokens/refresh-tokens.ts";
import { revokeAccessToken } from "../tokens/revoke-access-token.ts";
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
 * Revokes `client`'s access or refresh token, looking up first the kind the RFC 7009 §2.1
 * hint names (refresh tokens without one).
 * @returns the revoked refresh token family's id, when a refresh token was revoked
 */
async function revokeEitherKind(
  deps: Deps,
  token: string,
  client: ClientRow,
  hint: string | undefined,
): Promise<string | undefined> {
  if (hint === "access_token" && (await revokeAccessToken(deps, token, client))) return undefined;
  const familyId = await revokeRefreshToken(deps, token, client);
  if (!familyId && hint !== "access_token") await revokeAccessToken(deps, token, client);
  return familyId;
}

/**
 * `POST /oauth/revoke` (RFC 7009). The client authenticates as at the token endpoint;
 * a refresh token of that client (live or already rotated) revokes its whole family, and
 * an access token of that client is refused by introspection and userinfo until it
 * expires. `token_type_hint` only decides which kind is looked up first (§2.1). §2.1 and
 * §2.2: unknown tokens, and tokens of other clients, get the same 200 and change nothing.
 * Errors leave through the app's one error exit, with the request's id like the success.
 */
export function revocationEndpoint(deps: Deps) {
  return new Elysia({ name: "oauth-revoke" }).post(
    "/oauth/revoke",
    async ({ request }) => {
      const requestId = requestIdOf(request);
      const params = await readTokenRequest(request);
      const { client } = await authenticateClient({ deps, request, params });
      const { token, token_type_hint: hint } = validateParams(RevocationParams, params);
      const familyId = await revokeEitherKind(deps, token, client, hint);
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
