import { Elysia } from "elysia";
import { findAuthenticator, listAuthenticators, startEnrollment } from "../../db/mfa.ts";
import type { MfaAuthenticatorRow } from "../../db/schema.ts";
import { getTenantSettings } from "../../db/tenant-settings.ts";
import type { Deps } from "../../deps.ts";
import { bearerToken } from "../../http/bearer-token.ts";
import { noStoreJson } from "../../http/no-store.ts";
import { requestIdOf } from "../../http/request-id.ts";
import { MFA_OTP, MFA_RECOVERY_CODE } from "../../model/grant-types.ts";
import { sealSecret } from "../../security/mfa-secret-box.ts";
import { randomSecret } from "../../security/random-secret.ts";
import { newRecoveryCode, recoveryCodeDigest } from "../../security/recovery-code.ts";
import { newTotpSecret, totpUri } from "../../security/totp.ts";
import { authenticateClient } from "../authenticate-client.ts";
import {
  AccessDenied,
  InvalidRequest,
  InvalidToken,
  OAuthError,
  ServerError,
  UnauthorizedClient,
  UnsupportedChallengeType,
  withBearerChallenge,
} from "../errors.ts";
import { findDuplicateKey } from "../find-duplicate-key.ts";
import { readLimitedText, readTokenRequest } from "../read-token-request.ts";
import { resolveClientIp } from "../resolve-client-ip.ts";
import { mfaSecretKey } from "./mfa-settings.ts";
import { type LiveMfaToken, liveMfaToken } from "./mfa-token.ts";

/** Bodies of the MFA API are a few parameters. */
const MFA_BODY_LIMIT = 16 * 1024;

/**
 * Auth0's MFA API answers a bad `mfa_token` sent as a bearer token with the token
 * endpoint's error (`invalid_grant` "Malformed mfa_token", `expired_token`), as 401 with an
 * RFC 6750 §3 challenge.
 */
class MfaTokenRefused extends OAuthError {
  constructor(refused: OAuthError) {
    super(refused.error, 401, refused.description, refused.detail);
    // RFC 6750 §3.1 defines `invalid_token` for the challenge; the body keeps Auth0's code.
    this.headers["www-authenticate"] =
      `Bearer realm="rulegate", error="invalid_token", error_description="${this.description}"`;
  }
}

/**
 * The live `mfa_token` an MFA API request carries as its bearer token (`Authorization:
 * Bearer <mfa_token>`, Auth0's MFA API); its client is the token's own.
 */
async function bearerMfaToken(deps: Deps, request: Request): Promise<LiveMfaToken> {
  const header = request.headers.get("authorization");
  if (!header) throw new InvalidToken("The mfa_token is required as a Bearer token.", { tokenSent: false });
  const token = bearerToken(header);
  if (token === undefined) {
    throw withBearerChallenge(new InvalidRequest("The Authorization header is not a Bearer token."));
  }
  return await liveMfaToken(deps, token, undefined, (refused) => new MfaTokenRefused(refused));
}

/** Auth0's authenticator ids: the type, then `dev_` and a random part. */
const authenticatorId = (type: "totp" | "recovery-code") => `${type}|dev_${randomSecret(12)}`;

/**
 * An authenticator as Auth0's `GET /mfa/authenticators` lists it: `authenticator_type` and
 * `type` (older SDKs read the one, newer the other), active once confirmed by a first use.
 */
const authenticatorView = (factor: MfaAuthenticatorRow) => ({
  id: factor.id,
  authenticator_type: factor.type,
  type: factor.type,
  active: factor.confirmed,
  ...(factor.type === "otp" ? { name: "Authenticator app" } : {}),
  created_at: factor.createdAt.toISOString(),
});

/**
 * `POST /mfa/associate`'s body: JSON (Auth0's SDKs) or a form; `authenticator_types` is a
 * list (a repeated form field).
 */
async function readAssociateBody(request: Request): Promise<{ types: string[]; clientId?: string }> {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const text = await readLimitedText(request, MFA_BODY_LIMIT);
  if (mediaType === "application/x-www-form-urlencoded") {
    const form = new URLSearchParams(text);
    return { types: form.getAll("authenticator_types"), clientId: form.get("client_id") ?? undefined };
  }
  if (mediaType !== "application/json") {
    throw new InvalidRequest("Content-Type must be application/json or application/x-www-form-urlencoded.");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequest("The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body) || findDuplicateKey(text)) {
    throw new InvalidRequest("The request body must be a JSON object without repeated keys.");
  }
  const { authenticator_types: types, client_id: clientId } = body as Record<string, unknown>;
  if (!Array.isArray(types) || !types.every((type) => typeof type === "string")) {
    throw new InvalidRequest("authenticator_types must be a list of strings.");
  }
  if (clientId !== undefined && typeof clientId !== "string")
    throw new InvalidRequest("client_id must be a string.");
  return { types, ...(clientId ? { clientId } : {}) };
}

/**
 * Auth0's MFA API for the password grant (README, "Multi-factor authentication"): list the
 * user's authenticators and enroll one with the `mfa_token` as bearer token, and challenge
 * an authenticator with the client's authentication. The second factor itself goes to the
 * token endpoint (Auth0's MFA grants).
 */
export function mfaApi(deps: Deps) {
  return new Elysia({ name: "mfa-api" })
    .get("/mfa/authenticators", async ({ request }) => {
      const { user } = await bearerMfaToken(deps, request);
      const tenant = await getTenantSettings(deps.db);
      const factors = (await listAuthenticators(deps.db, user.id)).filter((factor) =>
        factor.type === "otp" ? tenant?.otpEnabled : tenant?.recoveryCodeEnabled,
      );
      return noStoreJson(factors.map(authenticatorView));
    })
    .post(
      "/mfa/associate",
      async ({ request }) => {
        const live = await bearerMfaToken(deps, request);
        const body = await readAssociateBody(request);
        if (body.clientId !== undefined && body.clientId !== live.row.clientId) {
          throw new InvalidRequest("client_id is not the mfa_token's client.");
        }
        return noStoreJson(await associate(deps, request, live, body.types));
      },
      { parse: "none" },
    )
    .post(
      "/mfa/challenge",
      async ({ request }) => {
        const params = await readTokenRequest(request, MFA_BODY_LIMIT);
        const { client } = await authenticateClient({ deps, request, params });
        if (!client.grantTypes.includes(MFA_OTP) && !client.grantTypes.includes(MFA_RECOVERY_CODE)) {
          throw new UnauthorizedClient("The client is not allowed the MFA grants.");
        }
        const { user } = await liveMfaToken(deps, params.mfa_token, client);
        const types = (params.challenge_type ?? "otp").split(" ").filter(Boolean);
        if (!types.includes("otp")) {
          throw new UnsupportedChallengeType(
            "Only otp challenges are supported.",
            `asked ${types.join(" ")}`,
          );
        }
        const tenant = await getTenantSettings(deps.db);
        const factor = tenant?.otpEnabled ? await findAuthenticator(deps.db, user.id, "otp") : undefined;
        if (!factor) throw new UnsupportedChallengeType("User is not enrolled.", "no otp enrollment");
        if (params.authenticator_id !== undefined && params.authenticator_id !== factor.id) {
          throw new InvalidRequest("Unknown authenticator_id.");
        }
        return noStoreJson({ challenge_type: "otp" });
      },
      { parse: "none" },
    );
}

/**
 * `POST /mfa/associate`: enrolls a TOTP authenticator, unconfirmed until its first code is
 * accepted (an enrollment started again replaces an unconfirmed one), and, on a first
 * enrollment with recovery codes enabled, a recovery code. The secret is sealed before it is
 * stored; the answer is the only time it and the recovery code leave the server.
 * @throws AccessDenied when the user already has a confirmed authenticator
 */
async function associate(deps: Deps, request: Request, live: LiveMfaToken, types: string[]) {
  const { user } = live;
  if (types.length !== 1 || types[0] !== "otp") {
    throw new UnsupportedChallengeType(
      'Only ["otp"] authenticators can be enrolled.',
      `asked ${types.join(" ")}`,
    );
  }
  const tenant = await getTenantSettings(deps.db);
  if (!tenant?.otpEnabled) throw new UnsupportedChallengeType("The otp factor is not enabled.");
  const key = await mfaSecretKey(deps);
  if (!key) throw new ServerError(undefined, "MFA_SECRET_KEY is not set in production");
  const now = deps.clock.now();
  const secret = newTotpSecret();
  const id = authenticatorId("totp");
  const blank = { codeHash: null, secret: null, confirmed: false, lastCounter: null, createdAt: now };
  const done = { confirmedAt: null, lastAuthAt: null };
  const started = await startEnrollment(deps.db, {
    ...blank,
    ...done,
    id,
    userId: user.id,
    type: "otp",
    secret: sealSecret(key, secret, id),
  });
  if (!started) throw new AccessDenied("User is already enrolled.", "a confirmed otp authenticator exists");
  let recoveryCodes: string[] | undefined;
  const recovery = tenant.recoveryCodeEnabled
    ? await findAuthenticator(deps.db, user.id, "recovery-code")
    : undefined;
  if (tenant.recoveryCodeEnabled && !recovery?.confirmed) {
    const code = newRecoveryCode();
    await startEnrollment(deps.db, {
      ...blank,
      ...done,
      id: authenticatorId("recovery-code"),
      userId: user.id,
      type: "recovery-code",
      codeHash: recoveryCodeDigest(code),
    });
    recoveryCodes = [code];
  }
  await deps.events.record({
    type: "gd_start_enroll",
    description: "Guardian enrollment started",
    requestId: requestIdOf(request),
    ip: resolveClientIp(deps.config, request),
    userAgent: request.headers.get("user-agent"),
    clientId: live.row.clientId,
    userId: user.id,
    userName: user.email,
    details: { authenticator_type: "otp" },
  });
  return {
    authenticator_type: "otp",
    secret,
    barcode_uri: totpUri(secret, tenant.friendlyName, user.email),
    ...(recoveryCodes ? { recovery_codes: recoveryCodes } : {}),
  };
}
