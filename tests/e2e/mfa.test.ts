/** Multi-factor authentication on both runtimes: enrollment, a code, a replay, a recovery code. */
import { decodeJwt } from "jose";
import { aliceExchangeParams, createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";
import { base32Decode, totp } from "../support/totp.ts";

const MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp";
const MFA_RECOVERY = "http://auth0.com/oauth/grant-type/mfa-recovery-code";

describe("e2e: multi-factor authentication", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    h = await createHarness();
    seed = await seedTenant(h);
    const grants = ["password", "refresh_token", MFA_OTP, MFA_RECOVERY];
    await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, { grant_types: grants });
    await h.admin("PUT", "/guardian/factors/otp", { enabled: true });
    await h.admin("PUT", "/guardian/factors/recovery-code", { enabled: true });
    await h.admin("PUT", "/guardian/policies", ["all-applications"]);
  });
  afterAll(() => h.close());

  const credentials = () => ({
    client_id: seed.postClient.client_id as string,
    client_secret: seed.postClient.client_secret as string,
  });
  const mfaToken = async () => {
    const answer = await h.token({ ...aliceExchangeParams(seed), scope: "openid offline_access" });
    const body = await answer.json();
    expect(answer.status).toBe(403);
    expect(body.error).toBe("mfa_required");
    return body.mfa_token as string;
  };

  test("enroll, pass a code, refuse its replay, pass a recovery code", async () => {
    const first = await mfaToken();
    const associated = await (
      await h.request("/mfa/associate", {
        method: "POST",
        headers: { authorization: `Bearer ${first}`, "content-type": "application/json" },
        body: JSON.stringify({ authenticator_types: ["otp"] }),
      })
    ).json();
    if (!associated.secret) throw new Error(JSON.stringify(associated));
    const secret = base32Decode(associated.secret);
    const code = totp(secret, new Date());
    const tokens = await (
      await h.token({ grant_type: MFA_OTP, mfa_token: first, otp: code, ...credentials() })
    ).json();
    expect(decodeJwt(tokens.id_token).amr).toEqual(["mfa"]);
    expect(typeof tokens.refresh_token).toBe("string");

    const replay = await (
      await h.token({ grant_type: MFA_OTP, mfa_token: await mfaToken(), otp: code, ...credentials() })
    ).json();
    expect(replay).toEqual({ error: "invalid_grant", error_description: "Invalid otp_code." });

    const recovered = await (
      await h.token({
        grant_type: MFA_RECOVERY,
        mfa_token: await mfaToken(),
        recovery_code: associated.recovery_codes[0],
        ...credentials(),
      })
    ).json();
    expect(decodeJwt(recovered.access_token).amr).toEqual(["mfa"]);
    expect(recovered.recovery_code).not.toBe(associated.recovery_codes[0]);
  });
});
