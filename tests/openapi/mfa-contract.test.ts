import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { expectDocumented } from "../support/contract.ts";
import {
  ADMIN_KEY,
  aliceExchangeParams,
  createHarness,
  type Harness,
  seedTenant,
  testClock,
} from "../support/harness.ts";
import { base32Decode, totp } from "../support/totp.ts";

/**
 * Every answer of multi-factor authentication (README, "Multi-factor authentication"),
 * checked against openapi.yaml: the MFA grants and `mfa_required` at the token endpoint,
 * Auth0's MFA API, and the Guardian routes of the Management API. The black-box behaviour
 * itself is tests/oauth/mfa.test.ts's; this file holds the document to it.
 */

const MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp";
const MFA_RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
const clock = testClock(new Date("2026-03-01T12:00:00Z"));

// biome-ignore lint/suspicious/noExplicitAny: an answer the document has just validated, read field by field.
type Body = Record<string, any>;

/** Sends a request and checks the answer against openapi.yaml; returns status and body. */
async function call(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
) {
  const response = await h.request(path, { method, ...init });
  const headers = response.headers;
  const status = response.status;
  const body = (await expectDocumented(method, path, response)) as Body;
  return { status, body, headers };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});
const form = (body: Record<string, string>) => ({
  body: new URLSearchParams(body).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});
const admin = (body?: unknown) =>
  body === undefined
    ? { headers: { authorization: `Bearer ${ADMIN_KEY}` } }
    : json(body, { authorization: `Bearer ${ADMIN_KEY}` });
const bearer = (token: string, body?: unknown) =>
  body === undefined
    ? { headers: { authorization: `Bearer ${token}` } }
    : json(body, { authorization: `Bearer ${token}` });

const client = () => ({
  client_id: seed.postClient.client_id as string,
  client_secret: seed.postClient.client_secret as string,
});
const token = (params: Record<string, string>) => call("POST", "/oauth/token", json(params));
const login = () => token({ ...aliceExchangeParams(seed), scope: "openid email offline_access read:things" });
const otpGrant = (mfaToken: string, otp: string) =>
  token({ grant_type: MFA_OTP, mfa_token: mfaToken, otp, ...client() });
const recoveryGrant = (mfaToken: string, recoveryCode: string) =>
  token({ grant_type: MFA_RECOVERY, mfa_token: mfaToken, recovery_code: recoveryCode, ...client() });

/** Alice's password exchange, which must answer `mfa_required`: its `mfa_token`. */
async function mfaToken(): Promise<string> {
  const answer = await login();
  expect([answer.status, answer.body.error]).toEqual([403, "mfa_required"]);
  return answer.body.mfa_token;
}

let secret: Uint8Array;
let recoveryCode: string;
/** The current TOTP code; each successful use moves the clock on a step first, so it is never a replay. */
const code = () => totp(secret, clock.now());
const freshCode = () => {
  clock.advance(30);
  return code();
};
const wrongCode = () => (code() === "123456" ? "654321" : "123456");
const alicePath = () => `/api/v2/users/${encodeURIComponent(seed.alice.user_id)}`;

beforeAll(async () => {
  h = await createHarness({ RULE_WORKERS: "1", RULE_TIMEOUT_MS: "2000" }, { clock });
  seed = await seedTenant(h);
  const grants = ["password", "refresh_token", MFA_OTP, MFA_RECOVERY];
  expect(
    (await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, { grant_types: grants })).status,
  ).toBe(200);
});
afterAll(() => h.close());

describe("the Guardian routes answer as documented", () => {
  test("policies and factors", async () => {
    expect((await call("GET", "/api/v2/guardian/policies", admin())).body).toEqual([]);
    expect((await call("PUT", "/api/v2/guardian/policies", admin(["confidence-score"]))).status).toBe(400);
    expect((await call("GET", "/api/v2/guardian/factors", admin())).status).toBe(200);
    expect((await call("PUT", "/api/v2/guardian/factors/sms", admin({ enabled: true }))).status).toBe(400);
    expect((await call("PUT", "/api/v2/guardian/factors/sms", admin({ enabled: false }))).body).toEqual({
      enabled: false,
    });
    expect((await call("PUT", "/api/v2/guardian/factors/nope", admin({ enabled: true }))).status).toBe(404);
    expect((await call("PUT", "/api/v2/guardian/factors/otp", admin({ enabled: "yes" }))).status).toBe(400);
    expect((await call("PUT", "/api/v2/guardian/policies", admin(["all-applications"]))).status).toBe(200);
    // The policy asks, the otp factor is off: refused, in the documented shape.
    const refused = await login();
    expect([refused.status, refused.body.error]).toEqual([403, "access_denied"]);
    for (const name of ["otp", "recovery-code"]) {
      expect((await call("PUT", `/api/v2/guardian/factors/${name}`, admin({ enabled: true }))).status).toBe(
        200,
      );
    }
    // Without the key: 401 (bodies are valid, as they are checked first).
    for (const [method, path, body] of [
      ["GET", "/api/v2/guardian/policies"],
      ["PUT", "/api/v2/guardian/policies", []],
      ["GET", "/api/v2/guardian/factors"],
      ["PUT", "/api/v2/guardian/factors/otp", { enabled: true }],
      ["GET", "/api/v2/guardian/enrollments/totp%7Cdev_x"],
      ["DELETE", "/api/v2/guardian/enrollments/totp%7Cdev_x"],
      ["GET", `${alicePath()}/enrollments`],
      ["POST", `${alicePath()}/recovery-code-regeneration`],
    ] as const) {
      expect([path, (await call(method, path, body === undefined ? {} : json(body))).status]).toEqual([
        path,
        401,
      ]);
    }
  });
});

describe("the MFA API and the MFA grants answer as documented", () => {
  let enrolling: string;

  test("mfa_required with enroll; the MFA API's refusals of its Bearer token", async () => {
    const answer = await login();
    expect(answer.status).toBe(403);
    expect(answer.body.mfa_requirements).toEqual({ enroll: [{ type: "otp" }] });
    enrolling = answer.body.mfa_token;
    expect((await call("GET", "/mfa/authenticators", bearer(enrolling))).body).toEqual([]);
    const malformed = await call("GET", "/mfa/authenticators", bearer("not-a-token"));
    expect([malformed.status, malformed.body.error]).toEqual([401, "invalid_grant"]);
    expect(malformed.headers.get("www-authenticate")).toStartWith("Bearer");
    const none = await call("GET", "/mfa/authenticators");
    expect([none.status, none.body.error]).toEqual([401, "invalid_token"]);
    const basic = await call("GET", "/mfa/authenticators", { headers: { authorization: "Basic abc" } });
    expect([basic.status, basic.body.error]).toEqual([400, "invalid_request"]);
    expect((await call("POST", "/mfa/associate", json({ authenticator_types: ["otp"] }))).status).toBe(401);
  });

  test("POST /mfa/associate: the secret and the recovery code, and each refusal", async () => {
    const oob = await call("POST", "/mfa/associate", bearer(enrolling, { authenticator_types: ["oob"] }));
    expect([oob.status, oob.body.error]).toEqual([400, "unsupported_challenge_type"]);
    const notAList = await call("POST", "/mfa/associate", bearer(enrolling, { authenticator_types: "otp" }));
    expect([notAList.status, notAList.body.error]).toEqual([400, "invalid_request"]);
    const otherClient = await call(
      "POST",
      "/mfa/associate",
      bearer(enrolling, { authenticator_types: ["otp"], client_id: seed.basicClient.client_id }),
    );
    expect([otherClient.status, otherClient.body.error]).toEqual([400, "invalid_request"]);
    const huge = await call(
      "POST",
      "/mfa/associate",
      bearer(enrolling, { authenticator_types: ["otp"], padding: "x".repeat(17 * 1024) }),
    );
    expect([huge.status, huge.body.error]).toEqual([413, "invalid_request"]);
    const associated = await call("POST", "/mfa/associate", {
      body: new URLSearchParams({ authenticator_types: "otp" }).toString(),
      headers: { authorization: `Bearer ${enrolling}`, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(associated.status).toBe(200);
    expect(associated.headers.get("cache-control")).toBe("no-store");
    expect(associated.body.recovery_codes).toHaveLength(1);
    secret = base32Decode(associated.body.secret);
    recoveryCode = associated.body.recovery_codes[0];
    const listed = await call("GET", "/mfa/authenticators", bearer(enrolling));
    expect(listed.body.map((factor: Body) => [factor.type, factor.active])).toEqual([
      ["otp", false],
      ["recovery-code", false],
    ]);
    const enrollments = await call("GET", `${alicePath()}/enrollments`, admin());
    expect(enrollments.body.map((enrollment: Body) => enrollment.status)).toEqual(["pending"]);
  });

  test("the mfa-otp grant: invalid_grant, then the tokens with amr, then expired_token; enrolled users cannot associate", async () => {
    const wrong = await otpGrant(enrolling, wrongCode());
    expect([wrong.status, wrong.body.error]).toEqual([400, "invalid_grant"]);
    const tokens = await otpGrant(enrolling, code());
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.access_token).amr).toEqual(["mfa"]);
    expect(decodeJwt(tokens.body.id_token).amr).toEqual(["mfa"]);
    const refreshed = await token({
      grant_type: "refresh_token",
      refresh_token: tokens.body.refresh_token,
      ...client(),
    });
    expect(refreshed.status).toBe(200);
    const spent = await otpGrant(enrolling, code());
    expect([spent.status, spent.body.error]).toEqual([400, "expired_token"]);
    const again = await call(
      "POST",
      "/mfa/associate",
      bearer(await mfaToken(), { authenticator_types: ["otp"] }),
    );
    expect([again.status, again.body.error]).toEqual([403, "access_denied"]);
    const enrollment = (await call("GET", `${alicePath()}/enrollments`, admin())).body[0];
    expect(enrollment.status).toBe("confirmed");
    const byId = await call(
      "GET",
      `/api/v2/guardian/enrollments/${encodeURIComponent(enrollment.id)}`,
      admin(),
    );
    expect(byId.body.last_auth).toBeString();
  });

  test("mfa_required with challenge; POST /mfa/challenge, form and JSON, and its refusals", async () => {
    const answer = await login();
    expect(answer.body.mfa_requirements).toEqual({ challenge: [{ type: "otp" }, { type: "recovery-code" }] });
    const mfa = answer.body.mfa_token;
    expect((await call("POST", "/mfa/challenge", form({ ...client(), mfa_token: mfa }))).body).toEqual({
      challenge_type: "otp",
    });
    expect(
      (await call("POST", "/mfa/challenge", json({ ...client(), mfa_token: mfa, challenge_type: "otp" })))
        .status,
    ).toBe(200);
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ ...client(), mfa_token: mfa, challenge_type: "oob" }, 400, "unsupported_challenge_type"],
      [{ ...client(), mfa_token: mfa, authenticator_id: "totp|dev_other" }, 400, "invalid_request"],
      [{ ...client(), mfa_token: "unknown" }, 400, "invalid_grant"],
      [{ ...client(), client_secret: "wrong", mfa_token: mfa }, 401, "invalid_client"],
      [
        {
          client_id: seed.refreshOnlyClient.client_id,
          client_secret: seed.refreshOnlyClient.client_secret,
          mfa_token: mfa,
        },
        400,
        "unauthorized_client",
      ],
    ];
    for (const [params, status, error] of cases) {
      const refused = await call("POST", "/mfa/challenge", json(params));
      expect([refused.status, refused.body.error]).toEqual([status, error]);
    }
    const huge = await call(
      "POST",
      "/mfa/challenge",
      json({ ...client(), mfa_token: mfa, padding: "x".repeat(17 * 1024) }),
    );
    expect(huge.status).toBe(413);
    expect((await otpGrant(mfa, freshCode())).status).toBe(200);
  });

  test("the mfa-recovery-code grant answers the new code", async () => {
    const mfa = await mfaToken();
    const wrong = await recoveryGrant(mfa, "A".repeat(24));
    expect([wrong.status, wrong.body.error]).toEqual([400, "invalid_grant"]);
    const answer = await recoveryGrant(mfa, recoveryCode);
    expect(answer.status).toBe(200);
    expect(answer.body.recovery_code).not.toBe(recoveryCode);
    recoveryCode = answer.body.recovery_code;
  });

  test("too_many_attempts after an mfa_token's five tries", async () => {
    const mfa = await mfaToken();
    for (let i = 0; i < 5; i++) expect((await otpGrant(mfa, wrongCode())).status).toBe(400);
    const limited = await otpGrant(mfa, code());
    expect([limited.status, limited.body.error]).toEqual([429, "too_many_attempts"]);
  });

  test("the otp factor off: the grants' unsupported_challenge_type", async () => {
    const mfa = await mfaToken();
    expect((await call("PUT", "/api/v2/guardian/factors/otp", admin({ enabled: false }))).status).toBe(200);
    const otp = await otpGrant(mfa, freshCode());
    expect([otp.status, otp.body.error]).toEqual([400, "unsupported_challenge_type"]);
    const challenge = await call("POST", "/mfa/challenge", json({ ...client(), mfa_token: mfa }));
    expect([challenge.status, challenge.body.error]).toEqual([400, "unsupported_challenge_type"]);
    expect((await call("PUT", "/api/v2/guardian/factors/otp", admin({ enabled: true }))).status).toBe(200);
  });
});

describe("managing a user's MFA answers as documented", () => {
  test("recovery-code regeneration, and enrollments by id", async () => {
    expect((await call("POST", `${alicePath()}/recovery-code-regeneration`, admin())).status).toBe(200);
    expect((await call("POST", "/api/v2/users/usr_missing/recovery-code-regeneration", admin())).status).toBe(
      404,
    );
    expect((await call("GET", "/api/v2/users/usr_missing/enrollments", admin())).status).toBe(404);
    expect(
      (await call("PUT", "/api/v2/guardian/factors/recovery-code", admin({ enabled: false }))).status,
    ).toBe(200);
    const off = await call("POST", `${alicePath()}/recovery-code-regeneration`, admin());
    expect([off.status, off.body.errorCode]).toEqual([400, "invalid_body"]);
    const enrollment = (await call("GET", `${alicePath()}/enrollments`, admin())).body[0];
    const path = `/api/v2/guardian/enrollments/${encodeURIComponent(enrollment.id)}`;
    expect((await call("DELETE", path, admin())).status).toBe(204);
    expect((await call("GET", path, admin())).status).toBe(404);
    expect((await call("DELETE", path, admin())).status).toBe(404);
    expect((await call("GET", `/api/v2/guardian/enrollments/${"x".repeat(200)}`, admin())).status).toBe(400);
  });

  test("the events are listed, and a rule asking for MFA shows in the try answer", async () => {
    for (const type of [
      "mfar",
      "seotpft",
      "feotpft",
      "sercft",
      "gd_enrollment_complete",
      "gd_otp_rate_limit_exceed",
      "gd_unenroll",
    ]) {
      const events = await call("GET", `/api/v2/logs?type=${type}`, admin());
      expect(events.body.length).toBeGreaterThan(0);
    }
    const tried = await call(
      "POST",
      "/api/v2/rules/try",
      admin({
        script:
          "function (user, context, callback) { context.multifactor = { provider: 'any' }; callback(null, user, context); }",
      }),
    );
    expect(tried.body.multifactor).toBe(true);
    const discovery = await call("GET", "/.well-known/openid-configuration");
    expect(discovery.body.claims_supported).toContain("amr");
    expect(discovery.body.grant_types_supported).toEqual(expect.arrayContaining([MFA_OTP, MFA_RECOVERY]));
  });
});
