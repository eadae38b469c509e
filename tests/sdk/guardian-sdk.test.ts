/**
 * Multi-factor authentication driven by Auth0's official Node SDK (`auth0`, the current
 * major and v4), unchanged but for the domain: the Guardian policy and factors are switched
 * on through the SDK's Management client, a user enrolls through the MFA API over HTTP
 * (password exchange → `mfa_required` → `/mfa/associate` → the mfa-otp grant, codes from the
 * RFC 6238 generator in tests/support/totp.ts), and the SDK then lists, reads and deletes the
 * enrollment and regenerates the recovery code. A real server process behind a
 * TLS-terminating HAProxy, as in tests/sdk/management-sdk.test.ts.
 *
 * The SDKs have no client for the MFA API itself: v7 ships no `AuthenticationClient` at all,
 * and v4's has no MFA method (its `passwordGrant` does surface `mfa_required`, with the
 * `mfa_token` in the error's body, and is used for that step). The other MFA calls are plain
 * `fetch`, as Auth0's documentation shows them ("Authenticate With Resource Owner Password
 * Grant and MFA").
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import * as auth0v7 from "auth0";
import { AuthApiError, AuthenticationClient } from "auth0-v4";
import { decodeJwt } from "jose";
import { base32Decode, totp } from "../support/totp.ts";
import { type ManagementCalls, SDK_MAJORS, type SdkMajor, statusOf } from "./sdk-majors.ts";
import { startTenant, type Tenant } from "./tenant.ts";

const API = "https://orders.example.com";
const MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp";
const MFA_RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code";
const FACTORS = [
  "sms",
  "push-notification",
  "email",
  "duo",
  "otp",
  "webauthn-roaming",
  "webauthn-platform",
  "recovery-code",
];

/** The status an SDK call failed with (the test fails if it succeeded). */
async function failure(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
  } catch (error) {
    return statusOf(error);
  }
  throw new Error("the call succeeded");
}

test("neither SDK has a client for the MFA API: v7 has no AuthenticationClient, v4's has no MFA method", () => {
  expect(Object.keys(auth0v7)).not.toContain("AuthenticationClient");
  const auth = new AuthenticationClient({
    domain: "tenant.example.com",
    clientId: "id",
    clientSecret: "secret",
  });
  const methods = Object.entries(auth).flatMap(([namespace, value]) => [
    namespace,
    ...Object.getOwnPropertyNames(Object.getPrototypeOf(value)),
  ]);
  expect(methods).toContain("passwordGrant");
  expect(
    methods.filter((name) => /mfa|otp|challenge|enrol|associate|authenticator|recovery/i.test(name)),
  ).toEqual([]);
});

describe.each(SDK_MAJORS)("$name", (major: SdkMajor) => {
  let tenant: Tenant;
  let sdk: ManagementCalls;
  let auth: AuthenticationClient;
  let clientId = "";
  let clientSecret = "";
  let userId = "";
  const email = `mia.${major.version.replace(/\W/g, "")}@example.com`;
  const password = "correct horse battery staple";

  beforeAll(async () => {
    tenant = await startTenant({ MFA_SECRET_KEY: randomBytes(32).toString("base64") });
    sdk = major.connect({ domain: tenant.domain, ca: tenant.ca, token: tenant.adminKey });
    const api = await tenant.raw("POST", "/resource-servers", {
      name: "Orders",
      identifier: API,
      scopes: [{ value: "read:orders", description: "Read orders" }],
      allow_offline_access: true,
    });
    const client = await tenant.raw("POST", "/clients", {
      name: "Acme",
      app_type: "non_interactive",
      grant_types: ["password", "refresh_token", MFA_OTP, MFA_RECOVERY],
      token_endpoint_auth_method: "client_secret_post",
    });
    clientId = client.body.client_id;
    clientSecret = client.body.client_secret;
    const grant = await tenant.raw("POST", "/client-grants", {
      client_id: clientId,
      audience: API,
      scope: ["read:orders"],
    });
    const user = await tenant.raw("POST", "/users", {
      connection: "Username-Password-Authentication",
      email,
      password,
    });
    userId = user.body.user_id;
    expect([api.status, client.status, grant.status, user.status]).toEqual([201, 201, 201, 201]);
    auth = new AuthenticationClient({
      domain: tenant.domain,
      clientId,
      clientSecret,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        tenant.tlsFetch(String(input instanceof Request ? input.url : input), init)) as typeof fetch,
    });
  }, 30_000);
  afterAll(async () => {
    await tenant?.stop();
  });

  /** A form post to `/oauth/token` with the client's credentials: status and JSON body. */
  const token = async (params: Record<string, string>) => {
    const answer = await tenant.tlsFetch(`${tenant.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...params, client_id: clientId, client_secret: clientSecret }),
    });
    return { status: answer.status, body: await answer.json() };
  };

  /** A call to the MFA API with the `mfa_token` as bearer. */
  const mfaApi = async (method: string, path: string, mfaToken: string, body?: unknown) => {
    const answer = await tenant.tlsFetch(`${tenant.origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${mfaToken}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: await answer.json() };
  };

  /**
   * The password exchange through v4's `AuthenticationClient.passwordGrant`, which must fail
   * with Auth0's 403 `mfa_required`: the error's body (`mfa_token`, `mfa_requirements`).
   */
  async function mfaRequired() {
    const refused = await auth.oauth
      .passwordGrant({ username: email, password, audience: API, scope: "read:orders offline_access" })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(AuthApiError);
    const error = refused as AuthApiError;
    expect(error.statusCode).toBe(403);
    expect(error.error).toBe("mfa_required");
    const body = JSON.parse(error.body);
    expect(body.mfa_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return body as { mfa_token: string; mfa_requirements: unknown };
  }

  let secret: Uint8Array;
  let recoveryCode = "";
  let enrollmentId = "";

  test("policies: none, then all-applications, read back", async () => {
    expect(await sdk.getGuardianPolicies()).toEqual([]);
    expect(await sdk.setGuardianPolicies(["all-applications"])).toEqual(["all-applications"]);
    expect(await sdk.getGuardianPolicies()).toEqual(["all-applications"]);
    expect((await tenant.raw("GET", "/guardian/policies")).body).toEqual(["all-applications"]);
  });

  test("factors: otp and recovery-code enabled, read back; sms is refused (400)", async () => {
    expect(await sdk.setGuardianFactor("otp", true)).toEqual({ enabled: true });
    expect(await sdk.setGuardianFactor("recovery-code", true)).toEqual({ enabled: true });
    expect(await failure(sdk.setGuardianFactor("sms", true))).toBe(400);
    const factors = await sdk.listGuardianFactors();
    expect(factors).toEqual(
      FACTORS.map((name) => ({
        name,
        enabled: name === "otp" || name === "recovery-code",
        trial_expired: false,
      })),
    );
    expect(factors).toEqual((await tenant.raw("GET", "/guardian/factors")).body);
  });

  test("the user enrolls over HTTP: mfa_required, /mfa/associate, the mfa-otp grant", async () => {
    const required = await mfaRequired();
    expect(required.mfa_requirements).toEqual({ enroll: [{ type: "otp" }] });
    const associated = await mfaApi("POST", "/mfa/associate", required.mfa_token, {
      authenticator_types: ["otp"],
    });
    expect(associated.status).toBe(200);
    expect(associated.body.authenticator_type).toBe("otp");
    expect(associated.body.recovery_codes).toHaveLength(1);
    secret = base32Decode(associated.body.secret);
    recoveryCode = associated.body.recovery_codes[0];
    const pending = await sdk.userEnrollments(userId);
    expect(pending.map((enrollment: { status: string }) => enrollment.status)).toEqual(["pending"]);
    const answer = await token({
      grant_type: MFA_OTP,
      mfa_token: required.mfa_token,
      otp: totp(secret, new Date()),
    });
    expect(answer.status).toBe(200);
    expect(answer.body.scope).toBe("read:orders offline_access");
    expect(decodeJwt(answer.body.access_token)).toMatchObject({ sub: userId, aud: API, amr: ["mfa"] });
  });

  test("the user's enrollments: one, confirmed; get by id", async () => {
    const enrollments = await sdk.userEnrollments(userId);
    expect(enrollments).toHaveLength(1);
    expect(enrollments[0]).toMatchObject({
      status: "confirmed",
      type: "authenticator",
      auth_method: "authenticator",
    });
    expect(enrollments[0].id).toMatch(/^totp\|dev_/);
    expect(enrollments).toEqual(
      (await tenant.raw("GET", `/users/${encodeURIComponent(userId)}/enrollments`)).body,
    );
    enrollmentId = enrollments[0].id;
    expect(await sdk.getGuardianEnrollment(enrollmentId)).toEqual(enrollments[0]);
  });

  test("regenerating the recovery code: the new one passes the recovery-code grant, the old one no longer", async () => {
    const regenerated = await sdk.regenerateRecoveryCode(userId);
    expect(Object.keys(regenerated)).toEqual(["recovery_code"]);
    expect(regenerated.recovery_code).toMatch(/^[A-Z0-9]{24}$/);
    expect(regenerated.recovery_code).not.toBe(recoveryCode);
    const old = await token({
      grant_type: MFA_RECOVERY,
      mfa_token: (await mfaRequired()).mfa_token,
      recovery_code: recoveryCode,
    });
    expect(old.status).toBe(400);
    expect(old.body.error).toBe("invalid_grant");
    const fresh = await token({
      grant_type: MFA_RECOVERY,
      mfa_token: (await mfaRequired()).mfa_token,
      recovery_code: regenerated.recovery_code,
    });
    expect(fresh.status).toBe(200);
    expect(decodeJwt(fresh.body.access_token)).toMatchObject({ sub: userId, amr: ["mfa"] });
    expect(fresh.body.recovery_code).toMatch(/^[A-Z0-9]{24}$/);
  });

  test("deleting the enrollment: the list is empty, the id is gone (404), the next login enrolls again", async () => {
    expect(await sdk.deleteGuardianEnrollment(enrollmentId)).toBeUndefined();
    expect(await sdk.userEnrollments(userId)).toEqual([]);
    expect(await failure(sdk.getGuardianEnrollment(enrollmentId))).toBe(404);
    expect(await failure(sdk.deleteGuardianEnrollment(enrollmentId))).toBe(404);
    expect((await mfaRequired()).mfa_requirements).toEqual({ enroll: [{ type: "otp" }] });
  });
});
