import { Type as t } from "@sinclair/typebox";
import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { noStoreJson } from "../http/no-store.ts";
import { INACTIVE, introspectAccessToken, introspectRefreshToken } from "../tokens/introspect-token.ts";
import { authenticateClient } from "./authenticate-client.ts";
import { readTokenRequest } from "./read-token-request.ts";
import { validateParams } from "./validate-params.ts";

/** RFC 7662 §2.1 parameters, with the client's credentials as at the token endpoint. */
export const IntrospectionParams = t.Object({
  token: t.String({ maxLength: 4096 }),
  token_type_hint: t.Optional(t.String({ maxLength: 64 })),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});

/**
 * `POST /oauth/introspect` (RFC 7662). The client authenticates as at the token endpoint
 * (§2.1: the endpoint requires authorization) and may introspect its own access and refresh
 * tokens. `token_type_hint` only decides which kind is looked up first (§2.1). §2.2:
 * anything unknown, expired, revoked or another client's is `{"active": false}`, and no
 * more. Errors leave through the app's one error exit.
 */
export function introspectionEndpoint(deps: Deps) {
  return new Elysia({ name: "oauth-introspect" }).post(
    "/oauth/introspect",
    async ({ request }) => {
      const params = await readTokenRequest(request);
      const { client } = await authenticateClient({ deps, request, params });
      const { token, token_type_hint: hint } = validateParams(IntrospectionParams, params);
      const lookups =
        hint === "refresh_token"
          ? [introspectRefreshToken, introspectAccessToken]
          : [introspectAccessToken, introspectRefreshToken];
      for (const introspect of lookups) {
        const answer = await introspect(deps, token, client);
        if (answer) return noStoreJson(answer);
      }
      return noStoreJson(INACTIVE);
    },
    { parse: "none" },
  );
}
