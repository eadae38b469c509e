import { Elysia } from "elysia";
import { createConfigCache } from "../db/config-cache.ts";
import type { Deps } from "../deps.ts";
import { noStoreJson } from "../http/no-store.ts";
import {
  GRANT_TYPES,
  type GrantType,
  MFA_OTP,
  MFA_RECOVERY_CODE,
  PASSWORD_REALM,
} from "../model/grant-types.ts";
import { assertGrantAllowed } from "./assert-grant-allowed.ts";
import { authenticateClient } from "./authenticate-client.ts";
import { InvalidRequest, UnsupportedGrantType } from "./errors.ts";
import { ClientCredentialsGrantParams, clientCredentialsGrant } from "./grants/client-credentials.ts";
import { defineGrant, type Grant } from "./grants/grant.ts";
import { MfaOtpGrantParams, mfaOtpGrant } from "./grants/mfa-otp.ts";
import { MfaRecoveryCodeGrantParams, mfaRecoveryCodeGrant } from "./grants/mfa-recovery-code.ts";
import { PasswordGrantParams, passwordGrant } from "./grants/password.ts";
import { PasswordRealmGrantParams, passwordRealmGrant } from "./grants/password-realm.ts";
import { RefreshTokenGrantParams, refreshTokenGrant } from "./grants/refresh-token.ts";
import { readTokenRequest } from "./read-token-request.ts";
import { resolveClientIp } from "./resolve-client-ip.ts";
import { startTokenRequest, type TokenContext } from "./token-context.ts";
import { recordTokenSuccess } from "./token-events.ts";
import { validateParams } from "./validate-params.ts";

/** The grants this server implements, by their RFC 6749 (or Auth0) name, with Auth0's log event codes. */
const GRANTS: { [Type in GrantType]: Grant } = {
  password: defineGrant({
    type: "password",
    params: PasswordGrantParams,
    handle: passwordGrant,
    events: { success: "sepft", failure: "fepft", description: "Password exchanged for tokens" },
  }),
  refresh_token: defineGrant({
    type: "refresh_token",
    params: RefreshTokenGrantParams,
    handle: refreshTokenGrant,
    events: { success: "sertft", failure: "fertft", description: "Refresh token exchanged for tokens" },
  }),
  client_credentials: defineGrant({
    type: "client_credentials",
    params: ClientCredentialsGrantParams,
    handle: clientCredentialsGrant,
    events: {
      success: "seccft",
      failure: "feccft",
      description: "Client credentials exchanged for an access token",
    },
  }),
  [PASSWORD_REALM]: defineGrant({
    type: PASSWORD_REALM,
    params: PasswordRealmGrantParams,
    handle: passwordRealmGrant,
    events: { success: "sepft", failure: "fepft", description: "Password exchanged for tokens" },
  }),
  [MFA_OTP]: defineGrant({
    type: MFA_OTP,
    params: MfaOtpGrantParams,
    handle: mfaOtpGrant,
    events: { success: "seotpft", failure: "feotpft", description: "OTP exchanged for tokens" },
  }),
  [MFA_RECOVERY_CODE]: defineGrant({
    type: MFA_RECOVERY_CODE,
    params: MfaRecoveryCodeGrantParams,
    handle: mfaRecoveryCodeGrant,
    events: { success: "sercft", failure: "fercft", description: "Recovery code exchanged for tokens" },
  }),
};

const isGrantType = (value: string): value is GrantType => (GRANT_TYPES as readonly string[]).includes(value);

/**
 * RFC 6749 §4.3.2 / §6: `grant_type` is required and names the grant.
 * @throws InvalidRequest when it is missing; UnsupportedGrantType for one this server lacks
 */
function pickGrant(context: TokenContext): Grant {
  const grantType = context.params.grant_type;
  if (grantType === undefined) throw new InvalidRequest("Missing required parameter: grant_type");
  if (!isGrantType(grantType))
    throw new UnsupportedGrantType(`Unsupported grant_type: ${grantType.slice(0, 64)}`);
  const grant = GRANTS[grantType];
  context.grant = grant;
  return grant;
}

/**
 * `POST /oauth/token` (RFC 6749 §3.2): read the body, pick the grant, then the steps every
 * grant shares — authenticate the client (§2.3), resolve the end user's IP, check the client
 * may use the grant (§5.2 `unauthorized_client`), validate the grant's parameters — and the
 * grant's own steps, reading the configuration through one cache checked per request. The
 * body is read by hand (`parse: "none"`) so that size limits, repeated parameters and both
 * content types get RFC errors, not Elysia's. A success is logged here;
 * a failure leaves through the app's one error exit (src/app.ts), which logs it from the
 * request's context.
 */
export function tokenEndpoint(deps: Deps) {
  // The grants read the configuration (client, API, rules, keys) through this cache: one
  // read of its version per request instead of one per row (src/db/config-cache.ts).
  const configuration = createConfigCache(deps.db);
  // The app's deps but for `db`, looked up on `deps` at each use (a test may swap one).
  const tokenDeps: Deps = Object.create(deps, { db: { value: configuration.db, enumerable: true } });
  return new Elysia({ name: "oauth-token" }).post(
    "/oauth/token",
    async ({ request }) => {
      const context = startTokenRequest(tokenDeps, request);
      context.params = await readTokenRequest(request);
      const grant = pickGrant(context);
      await configuration.check();
      const authenticated = await authenticateClient(context);
      context.ip = resolveClientIp(deps.config, request, authenticated.client, context.ip);
      assertGrantAllowed(authenticated.client, grant.type);
      const params = validateParams(grant.params, context.params);
      const tokens = await grant.handle(authenticated, params);
      context.scope = tokens.scope;
      await recordTokenSuccess(context);
      return noStoreJson(tokens);
    },
    { parse: "none" },
  );
}
