/** Refresh tokens, revocation and userinfo on both runtimes. */
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: refresh, revoke, userinfo", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    h = await createHarness();
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  const credentials = () => ({
    client_id: seed.postClient.client_id,
    client_secret: seed.postClient.client_secret,
  });

  test("rotation, reuse detection, revocation and userinfo", async () => {
    const login = await (
      await h.token({
        grant_type: "password",
        username: "alice@example.com",
        password: "correct horse battery",
        audience: "https://api.example.com",
        scope: "openid email offline_access read:things",
        ...credentials(),
      })
    ).json();
    expect(typeof login.refresh_token).toBe("string");
    expect(typeof login.id_token).toBe("string");

    const refresh = (token: string) =>
      h.token({ grant_type: "refresh_token", refresh_token: token, ...credentials() });
    const second = await (await refresh(login.refresh_token)).json();
    expect(second.refresh_token).not.toBe(login.refresh_token);
    expect((await refresh(login.refresh_token)).status).toBe(400);
    expect((await refresh(second.refresh_token)).status).toBe(400);

    const userinfo = await h.request("/userinfo", {
      headers: { authorization: `Bearer ${login.access_token}` },
    });
    expect(await userinfo.json()).toEqual({
      sub: seed.alice.user_id,
      email: "alice@example.com",
      email_verified: false,
    });

    const fresh = await (
      await h.token({
        grant_type: "password",
        username: "alice@example.com",
        password: "correct horse battery",
        audience: "https://api.example.com",
        scope: "offline_access",
        ...credentials(),
      })
    ).json();
    const revoked = await h.request("/oauth/revoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: fresh.refresh_token, ...credentials() }),
    });
    expect(revoked.status).toBe(200);
    expect((await refresh(fresh.refresh_token)).status).toBe(400);
  });
});
