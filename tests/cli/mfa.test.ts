/**
 * `rulegate mfa …` and the users' MFA commands against a real server: the policy and the
 * factors change what a real password exchange answers; a user enrolled through the real
 * `/mfa` flow is listed, given a new recovery code that the token endpoint accepts (and the
 * old one refused), and reset so that they enroll again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  associateOtp,
  confirmOtp,
  MFA_OTP_GRANT,
  MFA_RECOVERY_CODE_GRANT,
  mfaToken,
  type PasswordRequest,
  recoveryCodeGrant,
  requireMfa,
} from "../support/mfa-enrollment.ts";
import { type CliServer, startCliServer } from "./cli-server.ts";

const EMAIL = "mfa.cli@example.com";
const PASSWORD = "Mfa-cli-passphrase-2026";

/** Each test runs the real CLI several times, a Bun process each, on a shared machine. */
const CLI_TIMEOUT_MS = 60_000;
const SHOWN_ONCE = "shown once: the server keeps only its hash, and the old code no longer works";

let server: CliServer;
let demo: PasswordRequest;
let userRequest: PasswordRequest;
let userId: string;

beforeAll(async () => {
  server = await startCliServer("cli-mfa-admin-key-0123456789");
  demo = JSON.parse(server.demoBody);
  userRequest = { ...demo, username: EMAIL, password: PASSWORD };
  const created = await server.admin("POST", "/users", {
    email: EMAIL,
    password: PASSWORD,
    connection: "Username-Password-Authentication",
  });
  expect(created.status).toBe(201);
  userId = ((await created.json()) as { user_id: string }).user_id;
  // The demo client may use Auth0's MFA grants (else an exchange that needs them is refused).
  const grants = ["password", "refresh_token", MFA_OTP_GRANT, MFA_RECOVERY_CODE_GRANT];
  expect((await server.admin("PATCH", `/clients/${demo.client_id}`, { grant_types: grants })).status).toBe(
    200,
  );
});
afterAll(() => server.stop());

const rulegate = (args: string[]) => server.rulegate(args);

/** A run that must succeed: its stdout. */
const ok = (args: string[]) => {
  const result = rulegate(args);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  return result.stdout;
};
const json = (args: string[]) => JSON.parse(ok(["--json", ...args]));

/** A real password exchange: its status and OAuth error, if any. */
const exchange = async (request: PasswordRequest) => {
  const response = await fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as { error?: string; mfa_requirements?: unknown };
  return { status: response.status, error: body.error, requirements: body.mfa_requirements };
};

describe("rulegate mfa: the tenant's policy and factors", () => {
  test(
    "show: policy never and both factors off on a new server",
    () => {
      expect(ok(["mfa", "show"])).toBe("policy: never\notp: disabled\nrecovery-code: disabled\n");
      const shown = json(["mfa", "show"]);
      expect(shown.policies).toEqual([]);
      expect(shown.factors).toContainEqual({ name: "otp", enabled: false, trial_expired: false });
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "policy always with otp off warns, and a real exchange is refused; factor enable fixes it",
    async () => {
      expect(ok(["mfa", "policy", "always"])).toBe(
        "policy: always\nwarning: the otp factor is disabled, so password exchanges are refused until `rulegate mfa factor otp enable`\n",
      );
      expect(await exchange(demo)).toMatchObject({ status: 403, error: "access_denied" });

      expect(ok(["mfa", "factor", "otp", "enable"])).toBe("otp: enabled\n");
      expect(json(["mfa", "factor", "recovery-code", "enable"])).toEqual({
        name: "recovery-code",
        enabled: true,
      });
      expect(ok(["mfa", "show"])).toBe("policy: always\notp: enabled\nrecovery-code: enabled\n");
      expect(await exchange(demo)).toMatchObject({ status: 403, error: "mfa_required" });
      // With otp on there is nothing to warn about; --json prints the API's policies.
      expect(json(["mfa", "policy", "always"])).toEqual(["all-applications"]);
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "usage errors: an unknown policy, factor or state",
    () => {
      for (const args of [
        ["mfa", "policy", "sometimes"],
        ["mfa", "factor", "sms", "enable"],
        ["mfa", "factor", "otp", "on"],
      ]) {
        const result = rulegate(args);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("Allowed choices are");
      }
    },
    CLI_TIMEOUT_MS,
  );
});

describe("rulegate users: a user's MFA", () => {
  test(
    "enrollments: none, pending after /mfa/associate, confirmed after the first code",
    async () => {
      expect(ok(["users", "enrollments", userId])).toBe(`${userId} has no MFA enrollment\n`);
      expect(json(["users", "enrollments", userId])).toEqual([]);

      await requireMfa(server.admin, demo.client_id!);
      const associated = await associateOtp(server.url, userRequest);
      const pending = json(["users", "enrollments", userId]);
      expect(pending).toEqual([
        {
          id: expect.stringMatching(/^totp\|dev_/),
          status: "pending",
          type: "authenticator",
          name: "Authenticator app",
          auth_method: "authenticator",
          enrolled_at: expect.any(String),
        },
      ]);
      expect(ok(["users", "enrollments", userId])).toBe(
        `${pending[0].id}  pending  enrolled ${pending[0].enrolled_at}  never used\n`,
      );

      await confirmOtp(server.url, userRequest, associated);
      const [confirmed] = json(["users", "enrollments", userId]);
      expect(confirmed).toMatchObject({ id: pending[0].id, status: "confirmed" });
      expect(Date.parse(confirmed.last_auth)).toBeGreaterThanOrEqual(Date.parse(confirmed.enrolled_at));
      expect(ok(["users", "enrollments", userId])).toBe(
        `${confirmed.id}  confirmed  enrolled ${confirmed.enrolled_at}  last used ${confirmed.last_auth}\n`,
      );
      // The API agrees, and the enrollment is Auth0's Guardian enrollment by that id.
      expect(
        (await server.admin("GET", `/guardian/enrollments/${encodeURIComponent(confirmed.id)}`)).status,
      ).toBe(200);

      // The code from /mfa/associate works until a new one replaces it.
      const run = rulegate(["--json", "users", "recovery-code", userId]);
      // With --json the note goes to stderr: stdout stays the API's answer.
      expect([run.code, run.stderr]).toEqual([0, `${SHOWN_ONCE}\n`]);
      const regenerated = JSON.parse(run.stdout);
      expect(Object.keys(regenerated)).toEqual(["recovery_code"]);
      expect(regenerated.recovery_code).toMatch(/^[A-Z0-9]{24}$/);
      expect(regenerated.recovery_code === associated.recoveryCode).toBe(false);
      const old = await recoveryCodeGrant(
        server.url,
        userRequest,
        await mfaToken(server.url, userRequest),
        associated.recoveryCode,
      );
      expect([old.status, ((await old.json()) as { error: string }).error]).toEqual([400, "invalid_grant"]);
      const fresh = await recoveryCodeGrant(
        server.url,
        userRequest,
        await mfaToken(server.url, userRequest),
        regenerated.recovery_code,
      );
      expect(fresh.status).toBe(200);
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "recovery-code without --json prints the code and says it is shown once",
    () => {
      const printed = ok(["users", "recovery-code", userId]).split("\n");
      expect(printed[0]).toMatch(/^recovery_code: [A-Z0-9]{24}$/);
      expect(printed.slice(1)).toEqual([SHOWN_ONCE, ""]);
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "reset-mfa deletes the enrollment: the next exchange asks the user to enroll again",
    async () => {
      const [enrollment] = json(["users", "enrollments", userId]);
      expect(await exchange(userRequest)).toMatchObject({
        status: 403,
        error: "mfa_required",
        requirements: { challenge: [{ type: "otp" }, { type: "recovery-code" }] },
      });
      expect(ok(["users", "reset-mfa", userId])).toBe(`deleted 1 MFA enrollment of ${userId}\n`);
      expect(
        await (await server.admin("GET", `/users/${encodeURIComponent(userId)}/enrollments`)).json(),
      ).toEqual([]);
      expect(
        (await server.admin("GET", `/guardian/enrollments/${encodeURIComponent(enrollment.id)}`)).status,
      ).toBe(404);
      expect(await exchange(userRequest)).toMatchObject({
        status: 403,
        error: "mfa_required",
        requirements: { enroll: [{ type: "otp" }] },
      });
      expect(ok(["users", "reset-mfa", userId])).toBe(`${userId} had no MFA enrollment\n`);
      expect(json(["users", "reset-mfa", userId])).toEqual({ deleted: [] });
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "errors are the API's, one line: an unknown user, a disabled recovery-code factor",
    () => {
      const unknown = rulegate(["users", "enrollments", "auth0|nobody"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^rulegate: .*\(404\)\n$/);
      expect(ok(["mfa", "factor", "recovery-code", "disable"])).toBe("recovery-code: disabled\n");
      const refused = rulegate(["users", "recovery-code", userId]);
      expect([refused.code, refused.stdout, refused.stderr]).toEqual([
        1,
        "",
        "rulegate: The recovery-code factor is not enabled. (400)\n",
      ]);
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "policy never: the user's password alone gives tokens again",
    async () => {
      expect(ok(["mfa", "policy", "never"])).toBe("policy: never\n");
      expect(await exchange(userRequest)).toMatchObject({ status: 200 });
    },
    CLI_TIMEOUT_MS,
  );
});
