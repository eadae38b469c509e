/**
 * Sign-up and password reset through Auth0's own `AuthenticationClient` (the `auth0` SDK v4,
 * `auth.database.signUp` and `auth.database.changePassword`, unchanged): a real server process
 * behind a TLS-terminating HAProxy, sending its emails to a real SMTP server. What an app reads
 * of the answers, the errors (`AuthApiError`: `error`, `error_description`, `statusCode`, and
 * the raw `body` for the rest of Auth0's shape) and the email's link must be what Auth0 gives.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AuthApiError, AuthenticationClient } from "auth0-v4";
import { decodeJwt } from "jose";
import { type ReceivedEmail, startSmtp, type TestSmtp, ticketLink } from "../support/smtp.ts";
import { startTenant, type Tenant } from "./tenant.ts";

const CONNECTION = "Username-Password-Authentication";
const SENDER = "no-reply@acme.example";
const RESET_REQUESTED = "We've just sent you an email to reset your password.";

/** What a promise rejected with (fails the test when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/**
 * What an app reads of the SDK's `AuthApiError`, as a plain object (bun's matchers compare an
 * `Error` by its message alone).
 */
function readError(error: unknown) {
  expect(error).toBeInstanceOf(AuthApiError);
  const { name, message, statusCode, error: code, error_description, body } = error as AuthApiError;
  return { name, message, statusCode, error: code, error_description, body: JSON.parse(body) };
}

describe("auth0 v4 AuthenticationClient: database sign-up and password reset", () => {
  let smtp: TestSmtp;
  let tenant: Tenant;
  let auth: AuthenticationClient;
  let clientId = "";

  beforeAll(async () => {
    smtp = await startSmtp();
    tenant = await startTenant({ SMTP_URL: smtp.url, EMAIL_FROM: SENDER });
    const client = await tenant.raw("POST", "/clients", {
      name: "Acme",
      app_type: "regular_web",
      grant_types: ["password", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
    });
    expect(client.status).toBe(201);
    clientId = client.body.client_id;
    auth = new AuthenticationClient({
      domain: tenant.domain,
      clientId,
      clientSecret: client.body.client_secret,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        tenant.tlsFetch(String(input instanceof Request ? input.url : input), init)) as typeof fetch,
    });
  }, 30_000);
  afterAll(async () => {
    await tenant?.stop();
    await smtp?.close();
  });

  /** The password grant through the SDK: the access token's claims (it rejects as the SDK does). */
  const logIn = (username: string, password: string) =>
    auth.oauth.passwordGrant({ username, password }).then(({ data }) => decodeJwt(data.access_token));

  test("signUp answers as Auth0 does; the user logs in and the Management API lists them", async () => {
    const email = "new.user@example.com";
    const password = "Sign-up 4 Rulegate!";
    const { data, status } = await auth.database.signUp({
      email,
      password,
      connection: CONNECTION,
      username: "newuser",
      given_name: "Nadia",
      user_metadata: { plan: "pro", locale: "fr" },
    });
    expect(status).toBe(200);
    // Auth0's field; the SDK's type has only the `id` it adds.
    const id = (data as unknown as { _id: string })._id;
    expect(id).toMatch(/^[A-Za-z0-9]+$/);
    // The SDK maps Auth0's `_id` to `id`.
    expect(data.id).toBe(id);
    expect(data).toMatchObject({
      email,
      email_verified: false,
      username: "newuser",
      given_name: "Nadia",
      user_metadata: { plan: "pro", locale: "fr" },
    });
    expect(JSON.stringify(data)).not.toContain(password);
    const userId = `auth0|${id}`;

    expect(await logIn(email, password)).toMatchObject({
      sub: userId,
      iss: `${tenant.origin}/`,
      gty: "password",
      client_id: clientId,
    });

    const users = await tenant.raw("GET", "/users");
    expect(users.status).toBe(200);
    const listed = (users.body as Array<Record<string, unknown>>).find((user) => user.email === email);
    expect(listed).toMatchObject({
      user_id: userId,
      email,
      email_verified: false,
      username: "newuser",
      given_name: "Nadia",
      user_metadata: { plan: "pro", locale: "fr" },
      identities: [expect.objectContaining({ connection: CONNECTION, provider: "auth0" })],
    });

    // The verify_email template is on by default: the new address is asked to confirm itself.
    const verification = await smtp.waitFor((mail) => mail.to === email);
    expect(verification.from).toContain(SENDER);
    expect(ticketLink(verification).pathname).toBe("/lo/verify_email");
  });

  test("a taken email is invalid_signup; a weak password is invalid_password with the policy", async () => {
    const email = "taken@example.com";
    await auth.database.signUp({ email, password: "First 1 in line!", connection: CONNECTION });

    const taken = await rejection(
      auth.database.signUp({ email, password: "Second 2 in line!", connection: CONNECTION }),
    );
    expect(readError(taken)).toEqual({
      name: "AuthApiError",
      message: "Invalid sign up",
      statusCode: 400,
      error: "invalid_signup",
      error_description: "Invalid sign up",
      body: {
        name: "BadRequestError",
        code: "invalid_signup",
        description: "Invalid sign up",
        statusCode: 400,
      },
    });

    const patched = await tenant.raw("PATCH", "/connections/con_rulegatedatabase", {
      options: { passwordPolicy: "good" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.options).toMatchObject({ passwordPolicy: "good" });

    const weak = await rejection(
      auth.database.signUp({ email: "weak@example.com", password: "password", connection: CONNECTION }),
    );
    // Auth0's description of a weak password is an object (the rules), not a sentence: what
    // an app shows is the body's `message` and `policy`.
    const read = readError(weak);
    expect(read).toMatchObject({
      statusCode: 400,
      error: "invalid_password",
      error_description: { verified: false, rules: expect.any(Array) },
    });
    const body = read.body;
    expect(read.error_description).toEqual(body.description);
    expect(body).toMatchObject({
      name: "PasswordStrengthError",
      message: "Password is too weak",
      code: "invalid_password",
      statusCode: 400,
      description: { verified: false },
    });
    expect(body.policy).toContain("At least 8 characters in length");
    expect(body.policy).toContain("Contain at least 3 of the following 4 types of characters");
    expect(body.policy).toContain("upper case letters (A-Z)");
    // Auth0's rules name each requirement and whether the password met it.
    const rules = body.description.rules as Array<{ message: string; verified: boolean }>;
    expect(rules).toContainEqual(expect.objectContaining({ verified: true }));
    expect(rules).toContainEqual(expect.objectContaining({ verified: false }));

    // Nobody was created by either refusal.
    const weakUser = await tenant.raw(
      "GET",
      `/users-by-email?email=${encodeURIComponent("weak@example.com")}`,
    );
    expect(weakUser).toEqual({ status: 200, body: [] });
    const takenUsers = await tenant.raw("GET", `/users-by-email?email=${encodeURIComponent(email)}`);
    expect(takenUsers.body).toHaveLength(1);
  });

  test("changePassword: the same answer for any email, one email, and its link sets the password", async () => {
    const email = "forgetful@example.com";
    const oldPassword = "Old 1 password!";
    const newPassword = "Brand-new 2 password!";
    await auth.database.signUp({ email, password: oldPassword, connection: CONNECTION });
    // Out of the way: the sign-up's own verification email.
    await smtp.waitFor((mail) => mail.to === email);
    const before = smtp.received.length;

    const unknown = await auth.database.changePassword({
      email: "nobody@example.com",
      connection: CONNECTION,
    });
    const known = await auth.database.changePassword({ email, connection: CONNECTION });
    for (const answer of [unknown, known]) {
      expect(answer.status).toBe(200);
      expect(answer.data).toBe(RESET_REQUESTED);
      expect(answer.headers.get("content-type")).toStartWith("text/plain");
    }

    const reset = await smtp.waitFor((mail) => mail.to === email && smtp.received.indexOf(mail) >= before);
    // Past the queue's poll interval, nothing else may arrive.
    await Bun.sleep(1500);
    const arrived = smtp.received.slice(before);
    expect(arrived.map((mail: ReceivedEmail) => mail.to)).toEqual([email]);
    expect(reset.from).toContain(SENDER);
    expect(reset.subject).toBe("Reset your password for Acme");

    const link = ticketLink(reset);
    expect(link.origin).toBe(tenant.origin);
    expect(link.pathname).toBe("/lo/reset");

    // The page: a form posting the ticket with the two passwords.
    const page = await tenant.tlsFetch(link.toString());
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="reset">');
    const hidden = html.match(/<input type="hidden" name="ticket" value="([^"]+)">/);
    expect(hidden?.[1]).toBe(link.searchParams.get("ticket")!);
    expect(html).toContain('name="password"');
    expect(html).toContain('name="password_confirm"');

    const post = (password: string) =>
      tenant.tlsFetch(new URL("reset", link).toString(), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ticket: hidden![1]!, password, password_confirm: password }),
        redirect: "manual",
      });

    // The connection's policy (`good`, set above) holds on the reset page too; the link survives.
    const tooWeak = await post("password");
    expect(tooWeak.status).toBe(400);
    expect(await tooWeak.text()).toContain("Password is too weak");

    const changed = await post(newPassword);
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("Your password has been changed");

    expect(await logIn(email, newPassword)).toMatchObject({ gty: "password" });
    const old = readError(await rejection(logIn(email, oldPassword)));
    // Rulegate answers a wrong password with RFC 6749's 400 (tests/oauth/password-grant.test.ts).
    expect(old).toMatchObject({
      statusCode: 400,
      error: "invalid_grant",
      error_description: "Wrong email or password.",
    });

    // The link worked once.
    const again = await post("Another 3 password!");
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("This link has expired or was already used");
    expect(await logIn(email, newPassword)).toMatchObject({ gty: "password" });
  });
});
