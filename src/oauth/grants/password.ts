import { Type as t } from "@sinclair/typebox";
import type { ClientRow, UserRow } from "../../db/schema.ts";
import { normalizeEmail } from "../../db/users.ts";
import { issueRefreshToken } from "../../tokens/refresh-tokens.ts";
import { assertGrantAllowed } from "../assert-grant-allowed.ts";
import { authenticateClient } from "../authenticate-client.ts";
import { authenticateUser, WRONG_CREDENTIALS } from "../authenticate-user.ts";
import { assertNotBlocked, recordFailedLogin, recordSuccessfulLogin } from "../brute-force.ts";
import { InvalidGrant, withAudit } from "../errors.ts";
import { mintTokens } from "../mint-tokens.ts";
import { resolveAudience } from "../resolve-audience.ts";
import { resolveClientIp } from "../resolve-client-ip.ts";
import { resolveScope, scopeAfterRule } from "../resolve-scope.ts";
import { runRule } from "../run-rule.ts";
import { validateParams } from "../validate-params.ts";
import type { GrantContext, GrantResult } from "./grant.ts";

/** RFC 6749 §4.3.2 parameters, with Auth0's `audience`; lengths bound every input. */
export const PasswordGrantParams = t.Object({
  grant_type: t.Literal("password"),
  username: t.String({ maxLength: 512 }),
  password: t.String({ maxLength: 1024 }),
  audience: t.Optional(t.String({ maxLength: 2048 })),
  scope: t.Optional(t.String({ maxLength: 4096 })),
  client_id: t.Optional(t.String({ maxLength: 256 })),
  client_secret: t.Optional(t.String({ maxLength: 512 })),
});

/** Parameters the rule must never see (SPEC §4). */
const HIDDEN_FROM_RULE = new Set(["password", "client_secret"]);

/**
 * The Resource Owner Password Credentials grant (RFC 6749 §4.3), step by step. Each
 * step's errors leave with what is known by then (client, then user) for the log event.
 */
export async function passwordGrant(context: GrantContext): Promise<GrantResult> {
  const { deps, request, params } = context;
  const client = await authenticateClient(deps, request, params);
  const ip = resolveClientIp(deps.config, request, client);
  const known = { clientId: client.clientId, clientName: client.name, ip };
  try {
    assertGrantAllowed(client, "password");
    const { username, password, audience, scope } = validateParams(PasswordGrantParams, params);
    const login = normalizeEmail(username);
    await assertNotBlocked(deps, login, ip);
    const user = await authenticateUser(deps, username, password).catch(async (error) => {
      if (error instanceof InvalidGrant && error.description === WRONG_CREDENTIALS) {
        await recordFailedLogin(deps, login, ip, known);
      }
      throw error;
    });
    await recordSuccessfulLogin(deps, login, ip);
    try {
      return await exchange(context, { client, user, ip }, audience, scope);
    } catch (error) {
      throw withAudit(error, { userId: user.id, userName: user.email });
    }
  } catch (error) {
    throw withAudit(error, known);
  }
}

/** After both are authenticated: the API, the scope, the rule, the tokens. */
async function exchange(
  { deps, request, params, requestId }: GrantContext,
  { client, user, ip }: { client: ClientRow; user: UserRow; ip: string },
  audience: string | undefined,
  scope: string | undefined,
): Promise<GrantResult> {
  const api = await resolveAudience(deps, audience);
  const grantedScope = resolveScope(api, client, scope);
  const tenant = deps.config.tenant;
  const outcome = await runRule(
    deps,
    {
      user: {
        tenant,
        id: user.id,
        displayName: user.name,
        email: user.email,
        user_metadata: user.userMetadata,
        app_metadata: user.appMetadata,
      },
      client: { tenant, id: client.clientId, name: client.name, metadata: client.clientMetadata },
      scope: grantedScope,
      audience: api.identifier,
      context: {
        ip,
        userAgent: request.headers.get("user-agent") ?? "",
        webtask: { secrets: {} },
        request: Object.fromEntries(Object.entries(params).filter(([name]) => !HIDDEN_FROM_RULE.has(name))),
      },
    },
    requestId,
  );
  const scopeGranted = scopeAfterRule(outcome.scope, api, client);
  const authTime = deps.clock.now();
  const grant = {
    user,
    client,
    api,
    scope: scopeGranted,
    accessTokenClaims: outcome.accessTokenClaims,
    idTokenClaims: outcome.idTokenClaims,
    authTime,
  };
  const refreshToken = scopeGranted.includes("offline_access")
    ? await issueRefreshToken(deps, grant)
    : undefined;
  const tokens = await mintTokens(deps, { ...grant, grantType: "password" }, refreshToken);
  return {
    tokens,
    audit: {
      ip,
      userId: user.id,
      userName: user.email,
      clientId: client.clientId,
      clientName: client.name,
      audience: api.identifier,
      scope: tokens.scope,
    },
  };
}
