/**
 * `POST /dbconnections/signup` end to end in process, with a real SMTP server receiving the
 * emails: a new user logs in, verifies their email by following the link, and tokens then say
 * so; a taken email and a disabled sign-up get one and the same answer; the policy refuses
 * weak passwords with Auth0's answer; sign-ups are rate-limited per IP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import { createHarness, type Harness, type SeededTenant, seedTenant } from "../support/harness.ts";
import { startSmtp, type TestSmtp, ticketLink } from "../support/smtp.ts";

const CONNECTION = "Username-Password-Authentication";

describe("sign-up", () => {
  let h: Harness;
  let seed: SeededTenant;
  let smtp: TestSmtp;
  let ipCount = 0;
  /** A new end-user IP per call, so the per-IP limit only bites where a test wants it to. */
  const nextIp = () => `198.51.100.${++ipCount}`;

  const signUp = (body: Record<string, unknown>, ip = nextIp()) =>
    h.request(
      "/dbconnections/signup",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: seed.postClient.client_id, connection: CONNECTION, ...body }),
      },
      ip,
    );
  const login = (username: string, password: string, extra: Record<string, string> = {}) =>
    h.token({
      grant_type: "password",
      username,
      password,
      audience: "https://api.example.com",
      client_id: seed.postClient.client_id,
      client_secret: seed.postClient.client_secret,
      ...extra,
    });
  const logTypes = async () =>
    (
      (await (await h.admin("GET", "/logs?per_page=100")).json()) as Array<{
        type: string;
        user_name?: string;
      }>
    ).map((entry) => entry.type);

  beforeAll(async () => {
    smtp = await startSmtp();
    h = await createHarness({ SMTP_URL: smtp.url, EMAIL_FROM: "Acme <no-reply@acme.example>" });
    seed = await seedTenant(h);
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  test("a new user gets Auth0's answer, logs in, and verifies their email through the emailed link", async () => {
    const response = await signUp({
      email: "New.User@Example.com",
      password: "a fine long password",
      username: "newuser",
      given_name: "New",
      family_name: "User",
      user_metadata: { plan: "free" },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      email: "new.user@example.com",
      email_verified: false,
      username: "newuser",
      given_name: "New",
      family_name: "User",
      user_metadata: { plan: "free" },
    });

    const first = await login("new.user@example.com", "a fine long password", { scope: "openid email" });
    expect(first.status).toBe(200);
    expect(decodeJwt((await first.json()).id_token).email_verified).toBe(false);

    const email = await smtp.waitFor((mail) => mail.to.includes("new.user@example.com"));
    expect(email.subject).toBe("Verify your email for post client");
    expect(email.from).toContain("<no-reply@acme.example>");
    const link = ticketLink(email);
    expect(link.pathname).toBe("/lo/verify_email");
    const opened = await h.request(`${link.pathname}${link.search}`);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain("Email verified");

    const user = await (await h.admin("GET", `/users/auth0|${body._id}`)).json();
    expect(user.email_verified).toBe(true);
    expect(user.user_metadata).toEqual({ plan: "free" });
    const after = await login("new.user@example.com", "a fine long password", { scope: "openid email" });
    expect(decodeJwt((await after.json()).id_token).email_verified).toBe(true);

    // The link works once.
    const again = await h.request(`${link.pathname}${link.search}`);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("expired or was already used");
    expect(await logTypes()).toEqual(expect.arrayContaining(["ss", "svr", "sv", "fv"]));
  });

  test("a taken email and a disabled sign-up get the same answer, so sign-up tells nothing about who exists", async () => {
    const taken = await signUp({ email: "alice@example.com", password: "another long password" });
    expect(taken.status).toBe(400);
    const takenBody = await taken.json();
    expect(takenBody).toEqual({
      name: "BadRequestError",
      code: "invalid_signup",
      description: "Invalid sign up",
      statusCode: 400,
    });

    const patched = await h.admin("PATCH", "/connections/con_rulegatedatabase", {
      options: { disable_signup: true },
    });
    expect(patched.status).toBe(200);
    const disabled = await signUp({ email: "nobody.yet@example.com", password: "another long password" });
    expect(disabled.status).toBe(400);
    expect(await disabled.json()).toEqual(takenBody);
    expect((await h.admin("GET", "/users-by-email?email=nobody.yet@example.com")).status).toBe(200);
    expect(await (await h.admin("GET", "/users-by-email?email=nobody.yet@example.com")).json()).toEqual([]);
    await h.admin("PATCH", "/connections/con_rulegatedatabase", { options: {} });
    expect(await logTypes()).toContain("fs");
  });

  test("a weak password is Auth0's invalid_password with the policy it broke, and no user is made", async () => {
    await h.admin("PATCH", "/connections/con_rulegatedatabase", { options: { passwordPolicy: "good" } });
    const weak = await signUp({ email: "weak@example.com", password: "alllowercase" });
    expect(weak.status).toBe(400);
    const body = await weak.json();
    expect(body).toMatchObject({
      name: "PasswordStrengthError",
      message: "Password is too weak",
      code: "invalid_password",
      statusCode: 400,
      description: { verified: false },
    });
    expect(body.policy).toContain("* Contain at least 3 of the following 4 types of characters:");

    await h.admin("PATCH", "/connections/con_rulegatedatabase", {
      options: {
        passwordPolicy: "low",
        password_dictionary: { enable: true },
        password_no_personal_info: { enable: true },
      },
    });
    const common = await signUp({ email: "common@example.com", password: "iloveyou" });
    expect(await common.json()).toEqual({
      name: "PasswordDictionaryError",
      message: "Password is too common",
      code: "invalid_password",
      description: "Password is too common",
      statusCode: 400,
    });
    const personal = await signUp({ email: "marvin.k@example.com", password: "marvin.k-1999" });
    expect((await personal.json()).name).toBe("PasswordNoUserInfoError");
    await h.admin("PATCH", "/connections/con_rulegatedatabase", { options: {} });
    for (const email of ["weak@example.com", "common@example.com", "marvin.k@example.com"]) {
      expect(await (await h.admin("GET", `/users-by-email?email=${email}`)).json()).toEqual([]);
    }
  });

  test("the request's own mistakes: unknown connection, unknown client, a missing field, an unknown field", async () => {
    const unknownConnection = await signUp({
      email: "x1@example.com",
      password: "long enough",
      connection: "google",
    });
    expect(await unknownConnection.json()).toMatchObject({ code: "bad.connection", statusCode: 400 });
    const unknownClient = await signUp({
      email: "x2@example.com",
      password: "long enough",
      client_id: "cli_nope",
    });
    expect(await unknownClient.json()).toMatchObject({ code: "bad.client_id", statusCode: 400 });
    const missing = await signUp({ password: "long enough" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ name: "BadRequestError", code: "invalid_body" });
    const nul = await signUp({ email: "x4@example.com", password: "long enough", given_name: "a\u0000b" });
    expect(await nul.json()).toEqual({
      name: "BadRequestError",
      code: "invalid_body",
      description: "The request contains a NUL character (U+0000).",
      statusCode: 400,
    });
    const unknown = await signUp({ email: "x3@example.com", password: "long enough", admin: true });
    expect(unknown.status).toBe(400);
    const malformed = await h.request("/dbconnections/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ name: "BadRequestError", statusCode: 400 });
  });

  test("a form-encoded sign-up works as a JSON one", async () => {
    const response = await h.request(
      "/dbconnections/signup",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: seed.postClient.client_id,
          connection: CONNECTION,
          email: "form@example.com",
          password: "a form password",
        }).toString(),
      },
      nextIp(),
    );
    expect(response.status).toBe(200);
    expect((await response.json()).email).toBe("form@example.com");
  });

  test("sign-ups are limited per IP: the 51st in an hour is a 429 with Retry-After", async () => {
    const ip = "203.0.113.77";
    // A client trusted to name its user's IP at the token endpoint is not trusted here: sign-up
    // does not authenticate the client, so `auth0-forwarded-for` would be anyone's way around the limit.
    await h.admin("PATCH", `/clients/${seed.postClient.client_id}`, {
      is_token_endpoint_ip_header_trusted: true,
    });
    // Weak passwords: each counts against the limit without costing a hash.
    for (let index = 0; index < 50; index++) {
      const response = await h.request(
        "/dbconnections/signup",
        {
          method: "POST",
          headers: { "content-type": "application/json", "auth0-forwarded-for": `10.9.0.${index}` },
          body: JSON.stringify({
            client_id: seed.postClient.client_id,
            connection: CONNECTION,
            email: `burst${index}@example.com`,
            password: "x",
          }),
        },
        ip,
      );
      expect(response.status).toBe(400);
    }
    const limited = await signUp({ email: "burst-last@example.com", password: "a fine long password" }, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({
      name: "TooManyRequestsError",
      code: "too_many_attempts",
      description: "Too many requests. Try again later.",
      statusCode: 429,
    });
    expect(
      (await signUp({ email: "burst-other@example.com", password: "a fine long password" })).status,
    ).toBe(200);
  });

  test("with the welcome email enabled and verification off, a sign-up gets the welcome email", async () => {
    await h.admin("PATCH", "/email-templates/verify_email", { enabled: false });
    await h.admin("PATCH", "/email-templates/welcome_email", {
      enabled: true,
      subject: "Hi {{ user.email }}",
    });
    expect((await signUp({ email: "welcome@example.com", password: "a fine long password" })).status).toBe(
      200,
    );
    const welcome = await smtp.waitFor((mail) => mail.to.includes("welcome@example.com"));
    expect(welcome.subject).toBe("Hi welcome@example.com");
    await h.deps.emails.idle();
    expect(smtp.received.filter((mail) => mail.to.includes("welcome@example.com"))).toHaveLength(1);
    await h.admin("PATCH", "/email-templates/verify_email", { enabled: true });
    await h.admin("PATCH", "/email-templates/welcome_email", { enabled: false });
  });

  test("no password, ticket or link is written to the operational log", async () => {
    const lines = h.logLines.join("\n");
    expect(lines).not.toContain("a fine long password");
    expect(lines).not.toContain("ticket=");
    for (const mail of smtp.received) {
      for (const link of mail.links)
        expect(lines).not.toContain(new URL(link).searchParams.get("ticket") ?? "§");
    }
  });
});
