import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { pruneExpiredMfaTokens } from "../../src/logs/retention.ts";
import {
  aliceExchangeParams,
  createHarness,
  type Harness,
  seedTenant,
  testClock,
} from "../support/harness.ts";
import { base32Decode, hotp, totp } from "../support/totp.ts";

/**
 * Multi-factor authentication on Auth0's wire protocol, black-box: the Management API
 * switches it on, password exchanges answer `mfa_required`, the MFA API enrolls and
 * challenges, the MFA grants finish the exchange. Codes come from the RFC 6238 generator
 * in tests/support/totp.ts, not the server's library; the server's clock is the test's.
 */

const MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp";
const MFA_RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code";

let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;
const clock = testClock(new Date("2026-03-01T12:00:00Z"));

const json = async (response: Response | Promise<Response>) => {
  const answer = await response;
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : undefined, headers: answer.headers };
};

const client = () => ({
  client_id: seed.postClient.client_id as string,
  client_secret: seed.postClient.client_secret as string,
});

/** Alice's password exchange, asking for an ID token and a refresh token. */
const login = (extra: Record<string, string> = {}) =>
  json(h.token({ ...aliceExchangeParams(seed), scope: "openid email offline_access read:things", ...extra }));

/** A password exchange that must answer `mfa_required`: its `mfa_token`. */
async function mfaToken(): Promise<string> {
  const answer = await login();
  expect(answer.status).toBe(403);
  expect(answer.body.error).toBe("mfa_required");
  return answer.body.mfa_token;
}

const mfaApi = (method: string, path: string, token: string, body?: unknown) =>
  json(
    h.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );

const otpGrant = (token: string, otp: string, extra: Record<string, string> = {}) =>
  json(h.token({ grant_type: MFA_OTP, mfa_token: token, otp, ...client(), ...extra }));

let secret: Uint8Array;
let recoveryCode: string;
const code = (offsetSteps = 0) => totp(secret, new Date(clock.now().getTime() + offsetSteps * 30_000));
/** Moves the clock to the next 30-second step, so a new code is due. */
const nextStep = () => clock.advance(30);

const logTypes = async () =>
  ((await json(h.admin("GET", "/logs?per_page=100"))).body as { type: string; description: string }[]).map(
    (event) => event.type,
  );

beforeAll(async () => {
  h = await createHarness({ RULE_WORKERS: "1", RULE_TIMEOUT_MS: "2000" }, { clock });
  seed = await seedTenant(h);
  const grants = [
    "password",
    "http://auth0.com/oauth/grant-type/password-realm",
    "refresh_token",
    MFA_OTP,
    MFA_RECOVERY,
  ];
  expect(
    (await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, { grant_types: grants })).status,
  ).toBe(200);
  expect(
    (await h.admin("PATCH", `/clients/${seed.basicClient.client_id}`, { grant_types: grants })).status,
  ).toBe(200);
});
afterAll(() => h.close());

test("the tests' TOTP generator gives RFC 6238's SHA-1 test vectors (Appendix B)", () => {
  const key = new TextEncoder().encode("12345678901234567890");
  const vectors: [number, string][] = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];
  for (const [seconds, expected] of vectors) expect(totp(key, new Date(seconds * 1000), 8)).toBe(expected);
  // RFC 4226 Appendix D, the HOTP values the TOTP ones are built on.
  expect(hotp(key, 0)).toBe("755224");
  expect(hotp(key, 9)).toBe("520489");
  expect(base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")).toEqual(key);
});

describe("the tenant's policy", () => {
  test("policy never (Auth0's []): the password alone gives tokens", async () => {
    expect((await json(h.admin("GET", "/guardian/policies"))).body).toEqual([]);
    expect((await login()).status).toBe(200);
  });

  test("factors: only otp and recovery-code can be enabled; policy always with otp off is refused, never granted", async () => {
    const factors = (await json(h.admin("GET", "/guardian/factors"))).body as {
      name: string;
      enabled: boolean;
      trial_expired: boolean;
    }[];
    expect(factors.find((factor) => factor.name === "otp")).toEqual({
      name: "otp",
      enabled: false,
      trial_expired: false,
    });
    expect((await json(h.admin("PUT", "/guardian/factors/sms", { enabled: true }))).status).toBe(400);
    expect((await json(h.admin("PUT", "/guardian/factors/nope", { enabled: true }))).status).toBe(404);
    expect((await json(h.admin("PUT", "/guardian/policies", ["confidence-score"]))).status).toBe(400);
    expect((await json(h.admin("PUT", "/guardian/policies", ["all-applications"]))).body).toEqual([
      "all-applications",
    ]);
    const refused = await login();
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("access_denied");
    expect(refused.body.access_token).toBeUndefined();
    for (const name of ["otp", "recovery-code"]) {
      expect((await json(h.admin("PUT", `/guardian/factors/${name}`, { enabled: true }))).body).toEqual({
        enabled: true,
      });
    }
  });
});

describe("enrollment and the first code", () => {
  let token: string;

  test("mfa_required: Auth0's 403 with an mfa_token and what to do with it; a wrong password never gets one", async () => {
    const wrong = await login({ password: "wrong" });
    expect(wrong.body.error).toBe("invalid_grant");
    expect(wrong.body.mfa_token).toBeUndefined();
    const answer = await login();
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({
      error: "mfa_required",
      error_description: "Multifactor authentication required",
      mfa_requirements: { enroll: [{ type: "otp" }] },
    });
    expect(answer.body.mfa_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.body.access_token).toBeUndefined();
    token = answer.body.mfa_token;
    expect(await logTypes()).toContain("mfar");
    const realm = await login({
      grant_type: "http://auth0.com/oauth/grant-type/password-realm",
      realm: "Username-Password-Authentication",
    });
    expect(realm.status).toBe(403);
    expect(realm.body.error).toBe("mfa_required");
  });

  test("GET /mfa/authenticators with the mfa_token: none yet; a bad token is refused", async () => {
    expect((await mfaApi("GET", "/mfa/authenticators", token)).body).toEqual([]);
    const bad = await mfaApi("GET", "/mfa/authenticators", "not-a-token");
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: "invalid_grant", error_description: "Malformed mfa_token" });
    expect(bad.headers.get("www-authenticate")).toContain("Bearer");
  });

  test("POST /mfa/associate: the secret, its otpauth URI and one recovery code; pending until the first code", async () => {
    expect((await mfaApi("POST", "/mfa/associate", token, { authenticator_types: ["oob"] })).body.error).toBe(
      "unsupported_challenge_type",
    );
    const answer = await mfaApi("POST", "/mfa/associate", token, { authenticator_types: ["otp"] });
    expect(answer.status).toBe(200);
    expect(answer.body.authenticator_type).toBe("otp");
    expect(answer.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(answer.body.barcode_uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(answer.body.secret);
    expect(answer.body.recovery_codes).toHaveLength(1);
    expect(answer.body.recovery_codes[0]).toMatch(/^[A-Z0-9]{24}$/);
    secret = base32Decode(answer.body.secret);
    recoveryCode = answer.body.recovery_codes[0];
    const listed = (await mfaApi("GET", "/mfa/authenticators", token)).body;
    expect(listed.map((factor: { type: string; active: boolean }) => [factor.type, factor.active])).toEqual([
      ["otp", false],
      ["recovery-code", false],
    ]);
    expect(listed[0].id).toMatch(/^totp\|dev_/);
    const enrollments = (
      await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}/enrollments`))
    ).body;
    expect(enrollments).toHaveLength(1);
    expect(enrollments[0]).toMatchObject({
      id: listed[0].id,
      status: "pending",
      auth_method: "authenticator",
    });
  });

  test("the secret is stored sealed, bound to its row; never in a log line or event", async () => {
    const { mfaAuthenticators } = h.deps.db.tables;
    const rows = await h.deps.db.orm.select().from(mfaAuthenticators);
    const otp = rows.find((row) => row.type === "otp")!;
    expect(otp.secret).toStartWith("v1.");
    const base32 = (await mfaApi("GET", "/mfa/authenticators", token)).body;
    expect(base32).toBeDefined();
    const recovery = rows.find((row) => row.type === "recovery-code")!;
    expect(recovery.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(recovery.codeHash).not.toContain(recoveryCode);
  });

  test("a wrong code is Auth0's invalid_grant; the right one gives the tokens the exchange would have, with amr mfa", async () => {
    const wrong = await otpGrant(token, code() === "000000" ? "111111" : "000000");
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ error: "invalid_grant", error_description: "Invalid otp_code." });
    const answer = await otpGrant(token, code());
    expect(answer.status).toBe(200);
    expect(answer.body.scope).toBe("openid email offline_access read:things");
    expect(answer.body.refresh_token).toBeString();
    const access = decodeJwt(answer.body.access_token);
    const id = decodeJwt(answer.body.id_token);
    expect(access.sub).toBe(seed.alice.user_id);
    expect(access.amr).toEqual(["mfa"]);
    expect(access.gty).toBe("password");
    expect(id.amr).toEqual(["mfa"]);
    expect(id.email).toBe("alice@example.com");
    const types = await logTypes();
    for (const type of [
      "gd_start_enroll",
      "gd_enrollment_complete",
      "gd_auth_succeed",
      "gd_auth_failed",
      "seotpft",
    ]) {
      expect(types).toContain(type);
    }
    const enrollments = (
      await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}/enrollments`))
    ).body;
    expect(enrollments[0].status).toBe("confirmed");
  });

  test("the spent mfa_token is refused; so is the same code again (a replay), and an enrolled user cannot associate again", async () => {
    const spent = await otpGrant(token, code());
    expect(spent.body).toEqual({ error: "expired_token", error_description: "mfa_token is expired" });
    const next = await mfaToken();
    const replay = await otpGrant(next, code());
    expect(replay.body.error_description).toBe("Invalid otp_code.");
    const again = await mfaApi("POST", "/mfa/associate", next, { authenticator_types: ["otp"] });
    expect(again.status).toBe(403);
    expect(again.body.error).toBe("access_denied");
    nextStep();
    expect((await otpGrant(next, code())).status).toBe(200);
  });
});

describe("later logins", () => {
  test("mfa_required names the challenge; /mfa/challenge with the client's authentication; a code one step off still passes", async () => {
    // Two steps on: the step before now has had no code accepted yet.
    nextStep();
    nextStep();
    const answer = await login();
    expect(answer.body.mfa_requirements).toEqual({ challenge: [{ type: "otp" }, { type: "recovery-code" }] });
    const token = answer.body.mfa_token;
    const challenge = await json(
      h.request("/mfa/challenge", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...client(), mfa_token: token, challenge_type: "otp" }),
      }),
    );
    expect(challenge.status).toBe(200);
    expect(challenge.body).toEqual({ challenge_type: "otp" });
    const unauthenticated = await json(
      h.request("/mfa/challenge", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: seed.postClient.client_id,
          mfa_token: token,
          challenge_type: "otp",
        }),
      }),
    );
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.error).toBe("invalid_client");
    expect((await otpGrant(token, code(-1))).status).toBe(200);
  });

  test("an mfa_token works only for its client, and only for ten minutes", async () => {
    nextStep();
    const token = await mfaToken();
    const basic = `Basic ${btoa(`${seed.basicClient.client_id}:${seed.basicClient.client_secret}`)}`;
    const other = await json(
      h.token({ grant_type: MFA_OTP, mfa_token: token, otp: code() }, { headers: { authorization: basic } }),
    );
    expect(other.body).toEqual({ error: "invalid_grant", error_description: "Malformed mfa_token" });
    clock.advance(601);
    const expired = await otpGrant(token, code());
    expect(expired.body).toEqual({ error: "expired_token", error_description: "mfa_token is expired" });
    const garbage = await otpGrant("x".repeat(43), code());
    expect(garbage.body).toEqual({ error: "invalid_grant", error_description: "Malformed mfa_token" });
  });

  test("the recovery code gives the tokens and a new code; the used one is spent", async () => {
    const token = await mfaToken();
    const wrong = await json(
      h.token({ grant_type: MFA_RECOVERY, mfa_token: token, recovery_code: "A".repeat(24), ...client() }),
    );
    expect(wrong.body.error).toBe("invalid_grant");
    const answer = await json(
      h.token({ grant_type: MFA_RECOVERY, mfa_token: token, recovery_code: recoveryCode, ...client() }),
    );
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.id_token).amr).toEqual(["mfa"]);
    expect(answer.body.recovery_code).toMatch(/^[A-Z0-9]{24}$/);
    expect(answer.body.recovery_code).not.toBe(recoveryCode);
    const reused = await json(
      h.token({
        grant_type: MFA_RECOVERY,
        mfa_token: await mfaToken(),
        recovery_code: recoveryCode,
        ...client(),
      }),
    );
    expect(reused.body.error).toBe("invalid_grant");
    recoveryCode = answer.body.recovery_code;
    const types = await logTypes();
    for (const type of ["gd_recovery_succeed", "gd_recovery_failed", "sercft"]) expect(types).toContain(type);
  });

  test("a refresh of a session that passed MFA is not asked again, and keeps amr", async () => {
    nextStep();
    const token = await mfaToken();
    const tokens = await otpGrant(token, code());
    const refreshed = await json(
      h.token({ grant_type: "refresh_token", refresh_token: tokens.body.refresh_token, ...client() }),
    );
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.id_token).amr).toEqual(["mfa"]);
  });
});

describe("limits", () => {
  test("a parallel burst of wrong codes gets no more tries than the user's limit (10), then too_many_attempts for an hour, also for the right code", async () => {
    nextStep();
    const tokens = await Promise.all([mfaToken(), mfaToken(), mfaToken(), mfaToken(), mfaToken()]);
    const right = code();
    const wrong = right === "123456" ? "654321" : "123456";
    const answers = await Promise.all(
      tokens.flatMap((token) => [1, 2, 3, 4].map(() => otpGrant(token, wrong))),
    );
    const tried = answers.filter((answer) => answer.body.error === "invalid_grant");
    const limited = answers.filter((answer) => answer.status === 429);
    expect(tried).toHaveLength(10);
    expect(limited).toHaveLength(10);
    expect(limited[0]!.body.error).toBe("too_many_attempts");
    const fresh = await mfaToken();
    expect((await otpGrant(fresh, right)).status).toBe(429);
    expect(await logTypes()).toContain("gd_otp_rate_limit_exceed");
    // The tenth try started the hour again: still blocked a minute before it ends.
    clock.advance(59 * 60);
    expect((await otpGrant(await mfaToken(), code())).status).toBe(429);
    clock.advance(2 * 60);
    const later = await mfaToken();
    expect((await otpGrant(later, code())).status).toBe(200);
  });

  test("one mfa_token has five tries", async () => {
    nextStep();
    const token = await mfaToken();
    const wrong = code() === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) expect((await otpGrant(token, wrong)).status).toBe(400);
    expect((await otpGrant(token, code())).status).toBe(429);
    // The user's count was not at its limit: a new login passes.
    expect((await otpGrant(await mfaToken(), code())).status).toBe(200);
  });
});

describe("rules and actions ask for it", () => {
  test("with policy never, a Rule setting context.multifactor gets mfa_required, and its claims reach the tokens", async () => {
    nextStep();
    await h.admin("PUT", "/guardian/policies", []);
    expect((await login()).status).toBe(200);
    const rule = await json(
      h.admin("POST", "/rules", {
        name: "mfa",
        order: 1,
        script: `function (user, context, callback) {
          context.accessToken["https://example.com/plan"] = "gold";
          if (context.protocol !== "oauth2-refresh-token") context.multifactor = { provider: "any", allowRememberBrowser: false };
          callback(null, user, context);
        }`,
      }),
    );
    expect(rule.status).toBe(201);
    const token = await mfaToken();
    const answer = await otpGrant(token, code());
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token)["https://example.com/plan"]).toBe("gold");
    await h.admin("DELETE", `/rules/${rule.body.id}`);
  });

  test("a rule asking for MFA on a refresh of a session without MFA refuses the refresh", async () => {
    const plain = await login();
    expect(plain.status).toBe(200);
    const rule = await json(
      h.admin("POST", "/rules", {
        name: "mfa always",
        order: 1,
        script: `function (user, context, callback) { context.multifactor = { provider: "any" }; callback(null, user, context); }`,
      }),
    );
    const refused = await json(
      h.token({ grant_type: "refresh_token", refresh_token: plain.body.refresh_token, ...client() }),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("access_denied");
    await h.admin("DELETE", `/rules/${rule.body.id}`);
  });

  test("an Action calling api.multifactor.enable gets mfa_required", async () => {
    nextStep();
    const created = await json(
      h.admin("POST", "/actions/actions", {
        name: "mfa-action",
        supported_triggers: [{ id: "post-login", version: "v3" }],
        code: `exports.onExecutePostLogin = async (event, api) => { api.multifactor.enable("any"); };`,
      }),
    );
    expect(created.status).toBe(201);
    expect((await h.admin("POST", `/actions/actions/${created.body.id}/deploy`)).status).toBeLessThan(300);
    const bound = await h.admin("PATCH", "/actions/triggers/post-login/bindings", {
      bindings: [{ ref: { type: "action_id", value: created.body.id }, display_name: "mfa" }],
    });
    expect(bound.status).toBe(200);
    const token = await mfaToken();
    expect((await otpGrant(token, code())).status).toBe(200);
    await h.admin("PATCH", "/actions/triggers/post-login/bindings", { bindings: [] });
    expect((await login()).status).toBe(200);
  });
});

describe("managing it", () => {
  test("an admin deletes the enrollment (a lost device): the user enrolls again, with a new recovery code", async () => {
    await h.admin("PUT", "/guardian/policies", ["all-applications"]);
    const userPath = `/users/${encodeURIComponent(seed.alice.user_id)}`;
    const [enrollment] = (await json(h.admin("GET", `${userPath}/enrollments`))).body;
    expect(
      (await json(h.admin("GET", `/guardian/enrollments/${encodeURIComponent(enrollment.id)}`))).body.id,
    ).toBe(enrollment.id);
    expect(
      (await h.admin("DELETE", `/guardian/enrollments/${encodeURIComponent(enrollment.id)}`)).status,
    ).toBe(204);
    expect(
      (await h.admin("DELETE", `/guardian/enrollments/${encodeURIComponent(enrollment.id)}`)).status,
    ).toBe(404);
    expect((await json(h.admin("GET", `${userPath}/enrollments`))).body).toEqual([]);
    const token = await mfaToken();
    const associated = await mfaApi("POST", "/mfa/associate", token, { authenticator_types: ["otp"] });
    expect(associated.body.recovery_codes).toHaveLength(1);
    secret = base32Decode(associated.body.secret);
    nextStep();
    expect((await otpGrant(token, code())).status).toBe(200);
    expect(await logTypes()).toContain("gd_unenroll");
  });

  test("recovery-code regeneration: a new code, returned once; the old one no longer works", async () => {
    const userPath = `/users/${encodeURIComponent(seed.alice.user_id)}`;
    const answer = await json(h.admin("POST", `${userPath}/recovery-code-regeneration`));
    expect(answer.status).toBe(200);
    expect(answer.body.recovery_code).toMatch(/^[A-Z0-9]{24}$/);
    const used = await json(
      h.token({
        grant_type: MFA_RECOVERY,
        mfa_token: await mfaToken(),
        recovery_code: recoveryCode,
        ...client(),
      }),
    );
    expect(used.body.error).toBe("invalid_grant");
    const fresh = await json(
      h.token({
        grant_type: MFA_RECOVERY,
        mfa_token: await mfaToken(),
        recovery_code: answer.body.recovery_code,
        ...client(),
      }),
    );
    expect(fresh.status).toBe(200);
  });

  test("a client not allowed the MFA grants gets no mfa_token, and cannot use another client's", async () => {
    const publicClient = { client_id: seed.publicClient.client_id as string };
    const refused = await login({ client_secret: "", ...publicClient });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("access_denied");
    expect(refused.body.mfa_token).toBeUndefined();
    const token = await mfaToken();
    const other = await json(
      h.token({ grant_type: MFA_OTP, mfa_token: token, otp: code(), ...publicClient }),
    );
    expect(other.body.error).toBe("unauthorized_client");
  });

  test("MFA_SECRET_KEY set after enrolling in development: the enrolled secret still opens, and is sealed with the new key at the next enrollment", async () => {
    const config = h.deps.config as { mfaSecretKey?: string };
    config.mfaSecretKey = Buffer.alloc(32, 9).toString("base64url");
    try {
      nextStep();
      expect((await otpGrant(await mfaToken(), code())).status).toBe(200);
      const { mfaAuthenticators, tenantSettings } = h.deps.db.tables;
      const [tenant] = await h.deps.db.orm.select().from(tenantSettings);
      const sealedWith = async () =>
        (await h.deps.db.orm.select().from(mfaAuthenticators))
          .find((row) => row.type === "otp")!
          .secret!.split(".")[1];
      const before = await sealedWith();
      const [enrollment] = (
        await json(h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}/enrollments`))
      ).body;
      await h.admin("DELETE", `/guardian/enrollments/${encodeURIComponent(enrollment.id)}`);
      const token = await mfaToken();
      const associated = await mfaApi("POST", "/mfa/associate", token, { authenticator_types: ["otp"] });
      secret = base32Decode(associated.body.secret);
      recoveryCode = associated.body.recovery_codes[0];
      expect(await sealedWith()).not.toBe(before);
      nextStep();
      expect((await otpGrant(token, code())).status).toBe(200);
      // Neither key opens it any more (both replaced): a 500 that counts no try, logged with the key ids, never the secret.
      await h.deps.db.orm
        .update(tenantSettings)
        .set({ developmentMfaKey: Buffer.alloc(32, 1).toString("base64url") });
      config.mfaSecretKey = Buffer.alloc(32, 2).toString("base64url");
      const lines = h.logLines.length;
      // Eleven tries: past the user's limit of ten, had any been counted.
      for (let i = 0; i < 11; i++) {
        const unreadable = await otpGrant(await mfaToken(), code());
        expect(unreadable.status).toBe(500);
        expect(unreadable.body.error_description).toContain("an administrator must reset the enrollment");
      }
      expect(h.logLines.slice(lines).join("\n")).toContain("mfa_secret_unreadable");
      config.mfaSecretKey = Buffer.alloc(32, 9).toString("base64url");
      nextStep();
      // No try was counted: the user is not at the limit.
      expect((await otpGrant(await mfaToken(), code())).status).toBe(200);
      await h.deps.db.orm.update(tenantSettings).set({ developmentMfaKey: tenant!.developmentMfaKey });
    } finally {
      delete config.mfaSecretKey;
    }
  });

  test("mfa_tokens expired for a day are pruned; younger ones stay, still answered as expired", async () => {
    const young = await mfaToken();
    clock.advance(86_400);
    const recent = await mfaToken();
    clock.advance(601);
    expect(await pruneExpiredMfaTokens(h.deps)).toBeGreaterThan(0);
    const { mfaTokens } = h.deps.db.tables;
    const left = await h.deps.db.orm.select().from(mfaTokens);
    expect(left).toHaveLength(1);
    expect((await otpGrant(recent, code())).body.error).toBe("expired_token");
    expect((await otpGrant(young, code())).body.error_description).toBe("Malformed mfa_token");
  });

  test("no secret, code or token in the operational log or the event log", async () => {
    const events = JSON.stringify((await json(h.admin("GET", "/logs?per_page=100"))).body);
    const lines = h.logLines.join("\n");
    const base32 = Buffer.from(secret).toString("hex");
    for (const text of [events, lines]) {
      expect(text).not.toContain(recoveryCode);
      expect(text).not.toContain(base32);
      expect(text).not.toMatch(/"otp":"\d{6}"/);
    }
  });
});
