/**
 * Sign-up, a password reset and an email verification on both runtimes, the emails received
 * by a real SMTP server (nodemailer on Bun and on Deno), the links followed.
 */
import { createHarness, type Harness, seedTenant } from "../support/harness.ts";
import { startSmtp, type TestSmtp, ticketLink } from "../support/smtp.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

const CONNECTION = "Username-Password-Authentication";

describe("e2e: sign-up, password reset and email", () => {
  let h: Harness;
  let seed: Awaited<ReturnType<typeof seedTenant>>;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
    h = await createHarness({ SMTP_URL: smtp.url, EMAIL_FROM: "no-reply@e2e.example" });
    seed = await seedTenant(h);
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  const post = (path: string, body: Record<string, string>) =>
    h.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: seed.postClient.client_id, connection: CONNECTION, ...body }),
    });
  const login = (username: string, password: string) =>
    h.token({
      grant_type: "password",
      username,
      password,
      client_id: seed.postClient.client_id,
      client_secret: seed.postClient.client_secret,
    });

  test("sign up, verify the email, reset the password through the emailed links", async () => {
    const signedUp = await post("/dbconnections/signup", {
      email: "dana@example.com",
      password: "dana's first password",
    });
    expect(signedUp.status).toBe(200);
    expect((await signedUp.json()).email_verified).toBe(false);
    expect((await login("dana@example.com", "dana's first password")).status).toBe(200);

    const verify = ticketLink(await smtp.waitFor((mail) => /Verify/.test(mail.subject)));
    expect((await h.request(`${verify.pathname}${verify.search}`)).status).toBe(200);
    const users = await (await h.admin("GET", "/users-by-email?email=dana@example.com")).json();
    expect(users[0].email_verified).toBe(true);

    const requested = await post("/dbconnections/change_password", { email: "dana@example.com" });
    expect(await requested.text()).toBe("We've just sent you an email to reset your password.");
    const reset = ticketLink(await smtp.waitFor((mail) => /Reset/.test(mail.subject)));
    const form = (password: string) =>
      h.request("/lo/reset", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          ticket: reset.searchParams.get("ticket") ?? "",
          password,
          password_confirm: password,
        }).toString(),
      });
    expect((await form("short")).status).toBe(400);
    expect((await form("dana's second password")).status).toBe(200);
    expect((await login("dana@example.com", "dana's first password")).status).toBe(400);
    expect((await login("dana@example.com", "dana's second password")).status).toBe(200);
    expect((await form("dana's third password")).status).toBe(400);

    const taken = await post("/dbconnections/signup", {
      email: "dana@example.com",
      password: "another password",
    });
    expect(await taken.json()).toMatchObject({ code: "invalid_signup" });
  });
});
