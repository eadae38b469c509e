/**
 * A forgotten password end to end in process, with a real SMTP server: the request's one answer
 * for known and unknown emails, the emailed single-use link, the page's form under the policy
 * (history included), what a successful change does (old password refused, refresh tokens
 * revoked, brute-force blocks lifted, the result URL), expiry, the Management API's tickets
 * and verification-email job, and the rate limits.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness, type SeededTenant, seedTenant, testClock } from "../support/harness.ts";
import { startSmtp, type TestSmtp, ticketLink } from "../support/smtp.ts";

const CONNECTION = "Username-Password-Authentication";
const RESET_ANSWER = "We've just sent you an email to reset your password.";

describe("password reset", () => {
  let h: Harness;
  let seed: SeededTenant;
  let smtp: TestSmtp;
  const clock = testClock();
  let ipCount = 0;
  const nextIp = () => `192.0.2.${++ipCount}`;
  let password = "correct horse battery";

  const requestReset = (email: string, ip = nextIp()) =>
    h.request(
      "/dbconnections/change_password",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: seed.postClient.client_id, email, connection: CONNECTION }),
      },
      ip,
    );
  const login = (pass: string, extra: Record<string, string> = {}, ip?: string) =>
    h.token(
      {
        grant_type: "password",
        username: "alice@example.com",
        password: pass,
        audience: "https://api.example.com",
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
        ...extra,
      },
      { remoteAddress: ip },
    );
  const submit = (link: URL, fields: Record<string, string>) =>
    h.request("/lo/reset", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ticket: link.searchParams.get("ticket") ?? "", ...fields }).toString(),
    });
  const resetEmailsTo = (email: string) =>
    smtp.received.filter((mail) => mail.to.includes(email) && /Reset/.test(mail.subject));
  const logTypes = async () =>
    ((await (await h.admin("GET", "/logs?per_page=100")).json()) as Array<{ type: string }>).map(
      (entry) => entry.type,
    );

  beforeAll(async () => {
    smtp = await startSmtp();
    h = await createHarness({ SMTP_URL: smtp.url }, { clock });
    seed = await seedTenant(h);
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  test("a known and an unknown email get the same answer; only the known one gets an email", async () => {
    const known = await requestReset("Alice@Example.com");
    const unknown = await requestReset("nobody@example.com");
    for (const response of [known, unknown]) {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toStartWith("text/plain");
    }
    expect(await known.text()).toBe(RESET_ANSWER);
    expect(await unknown.text()).toBe(RESET_ANSWER);
    await smtp.waitFor((mail) => mail.to.includes("alice@example.com"));
    await h.deps.emails.idle();
    expect(resetEmailsTo("alice@example.com")).toHaveLength(1);
    expect(smtp.received.filter((mail) => mail.to.includes("nobody@example.com"))).toHaveLength(0);
    expect(await logTypes()).toEqual(expect.arrayContaining(["scpr", "fcpr"]));
  });

  test("the link's form refuses a weak, a mismatched and a reused password, then sets a good one", async () => {
    const link = ticketLink(resetEmailsTo("alice@example.com")[0]!);
    expect(link.pathname).toBe("/lo/reset");
    const page = await h.request(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).toContain('<label for="password">New password</label>');
    expect(html).toContain('autocomplete="new-password"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/);

    await h.admin("PATCH", "/connections/con_rulegatedatabase", {
      options: { passwordPolicy: "good", password_history: { enable: true, size: 3 } },
    });
    const weak = await submit(link, { password: "short", password_confirm: "short" });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain("Password is too weak");
    const mismatched = await submit(link, { password: "New-pass-1", password_confirm: "New-pass-2" });
    expect(mismatched.status).toBe(400);
    expect(await mismatched.text()).toContain("not the same");

    // The history forbids the current password (it meets `good`: set it through the API first).
    const current = "Current-pass-1";
    const set = await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      password: current,
    });
    expect(set.status).toBe(200);
    password = current;
    const reused = await submit(link, { password: current, password_confirm: current });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain("Password has previously been used");
    // The first password is in the history too.
    const older = await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      password: "correct horse battery",
    });
    expect(older.status).toBe(400);

    const refreshed = await login(password, { scope: "offline_access" });
    const refreshToken = (await refreshed.json()).refresh_token as string;
    expect(refreshToken).toBeString();

    // A brute-force block on Alice's name, lifted by the change.
    const attacker = "198.18.0.9";
    for (let index = 0; index < 10; index++) expect((await login("wrong", {}, attacker)).status).toBe(400);
    expect(await (await login(password, {}, attacker)).json()).toMatchObject({ error: "too_many_attempts" });

    const changed = await submit(link, {
      password: "Brand-new-pass-9",
      password_confirm: "Brand-new-pass-9",
    });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("Password changed");
    expect((await login(password)).status).toBe(400);
    expect((await login("Brand-new-pass-9", {}, attacker)).status).toBe(200);
    password = "Brand-new-pass-9";

    const refresh = await h.token({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: seed.postClient.client_id,
      client_secret: seed.postClient.client_secret,
    });
    expect(refresh.status).toBe(400);
    expect((await refresh.json()).error).toBe("invalid_grant");

    const secondUse = await submit(link, { password: "Another-pass-7", password_confirm: "Another-pass-7" });
    expect(secondUse.status).toBe(400);
    expect(await secondUse.text()).toContain("expired or was already used");
    expect((await h.request(`${link.pathname}${link.search}`)).status).toBe(400);
    expect(await logTypes()).toEqual(expect.arrayContaining(["scp", "fcp"]));
    await h.admin("PATCH", "/connections/con_rulegatedatabase", { options: {} });
  });

  test("a link expires after the template's lifetime (Auth0's five days by default)", async () => {
    await requestReset("alice@example.com");
    const email = await smtp.waitFor(
      (mail) => /Reset/.test(mail.subject) && mail !== resetEmailsTo("alice@example.com")[0],
    );
    const link = ticketLink(email);
    clock.advance(432_000 - 60);
    expect((await h.request(`${link.pathname}${link.search}`)).status).toBe(200);
    clock.advance(120);
    const expired = await h.request(`${link.pathname}${link.search}`);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain("expired or was already used");
    expect(
      (await submit(link, { password: "Late-pass-123", password_confirm: "Late-pass-123" })).status,
    ).toBe(400);
  });

  test("a Management API ticket redirects to its result_url and can mark the email verified", async () => {
    const answer = await h.admin("POST", "/tickets/password-change", {
      user_id: seed.alice.user_id,
      result_url: "https://app.example.com/after?from=reset",
      ttl_sec: 300,
      mark_email_as_verified: true,
      includeEmailInRedirect: true,
    });
    expect(answer.status).toBe(201);
    const { ticket } = await answer.json();
    expect(ticket).toMatch(/^http:\/\/localhost\/lo\/reset\?ticket=[A-Za-z0-9_-]{43}#$/);
    const link = new URL(ticket);
    const page = await h.request(`${link.pathname}${link.search}`);
    expect(page.headers.get("content-security-policy")).toContain(
      "form-action 'self' https://app.example.com",
    );
    const done = await submit(link, { password: "Ticket-pass-42", password_confirm: "Ticket-pass-42" });
    expect(done.status).toBe(302);
    const location = new URL(done.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe("https://app.example.com/after");
    expect(Object.fromEntries(location.searchParams)).toEqual({
      from: "reset",
      success: "true",
      message: "Your password has been changed successfully.",
      email: "alice@example.com",
    });
    expect(
      (await (await h.admin("GET", `/users/${encodeURIComponent(seed.alice.user_id)}`)).json())
        .email_verified,
    ).toBe(true);
    expect((await login("Ticket-pass-42")).status).toBe(200);
    password = "Ticket-pass-42";

    expect((await h.admin("POST", "/tickets/password-change", { email: "ghost@example.com" })).status).toBe(
      404,
    );
    expect((await h.admin("POST", "/tickets/password-change", {})).status).toBe(400);
  });

  test("a verification ticket and the verification-email job; an Auth0 Rule sees email_verified", async () => {
    const rule = await h.admin("POST", "/rules", {
      name: "verified-claim",
      order: 1,
      enabled: true,
      script:
        "function (user, context, callback) { context.accessToken['https://example.com/verified'] = user.email_verified; callback(null, user, context); }",
    });
    expect(rule.status).toBe(201);
    const ruleId = (await rule.json()).id;
    const created = await h.admin("POST", "/users", {
      email: "carol@example.com",
      password: "carol's password",
    });
    const carol = await created.json();
    const job = await h.admin("POST", "/jobs/verification-email", { user_id: carol.user_id });
    expect(job.status).toBe(201);
    const jobBody = await job.json();
    expect(jobBody.id).toMatch(/^job_/);
    expect(jobBody.type).toBe("verification_email");
    expect(jobBody.status).toBe("completed");
    expect(await (await h.admin("GET", `/jobs/${jobBody.id}`)).json()).toEqual(jobBody);
    const email = await smtp.waitFor((mail) => mail.to.includes("carol@example.com"));
    expect(email.subject).toStartWith("Verify your email");

    const claimOf = async () => {
      const response = await h.token({
        grant_type: "password",
        username: "carol@example.com",
        password: "carol's password",
        audience: "https://api.example.com",
        client_id: seed.postClient.client_id,
        client_secret: seed.postClient.client_secret,
      });
      const { access_token } = await response.json();
      return JSON.parse(Buffer.from(access_token.split(".")[1], "base64url").toString())[
        "https://example.com/verified"
      ];
    };
    expect(await claimOf()).toBe(false);

    const ticketAnswer = await h.admin("POST", "/tickets/email-verification", {
      user_id: carol.user_id,
      result_url: "https://app.example.com/verified",
    });
    const link = new URL((await ticketAnswer.json()).ticket);
    expect(link.pathname).toBe("/lo/verify_email");
    const opened = await h.request(`${link.pathname}${link.search}`);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toStartWith("https://app.example.com/verified?success=true");
    expect(await claimOf()).toBe(true);
    // The emailed link was issued before: it still verifies (once), the state stays verified.
    const emailed = ticketLink(email);
    expect((await h.request(`${emailed.pathname}${emailed.search}`)).status).toBe(200);
    expect((await h.request(`${emailed.pathname}${emailed.search}`)).status).toBe(400);
    await h.admin("DELETE", `/rules/${ruleId}`);
    expect((await h.admin("POST", "/jobs/verification-email", { user_id: "auth0|nobody" })).status).toBe(404);
  });

  test("a mangled link or an odd form gets a page, never a JSON error", async () => {
    const link = new URL(
      (await (await h.admin("POST", "/tickets/password-change", { user_id: seed.alice.user_id })).json())
        .ticket,
    );
    const secret = link.searchParams.get("ticket") ?? "";
    // A repeated parameter: the page (the form or "expired"), not a framework error.
    const repeated = await h.request(`/lo/reset?ticket=${secret}&ticket=${secret}`);
    expect(repeated.headers.get("content-type")).toStartWith("text/html");
    for (const path of [`/lo/reset?ticket=${"x".repeat(500)}`, "/lo/reset", "/lo/verify_email?ticket[a]=1"]) {
      const answer = await h.request(path);
      expect(answer.status).toBe(400);
      expect(answer.headers.get("content-type")).toStartWith("text/html");
    }
    const long = await submit(link, {
      password: "x".repeat(2000),
      password_confirm: "x".repeat(2000),
      extra: "1",
    });
    expect(long.status).toBe(400);
    expect(long.headers.get("content-type")).toStartWith("text/html");
    expect(await long.text()).toContain("longer than 1024 characters");
    expect((await h.request(`${link.pathname}${link.search}`)).status).toBe(200);
  });

  test("a password change through one link ends the user's other reset links", async () => {
    const issue = async () =>
      new URL(
        (await (await h.admin("POST", "/tickets/password-change", { user_id: seed.alice.user_id })).json())
          .ticket,
      );
    const [first, second] = [await issue(), await issue()];
    expect(
      (await submit(first, { password: "Other-links-1", password_confirm: "Other-links-1" })).status,
    ).toBe(200);
    password = "Other-links-1";
    expect((await h.request(`${second.pathname}${second.search}`)).status).toBe(400);
    expect(
      (await submit(second, { password: "Other-links-2", password_confirm: "Other-links-2" })).status,
    ).toBe(400);
    expect((await login(password)).status).toBe(200);
  });

  test("a link lapses when the user's email changes after it was sent", async () => {
    const answer = await h.admin("POST", "/tickets/password-change", { user_id: seed.alice.user_id });
    const link = new URL((await answer.json()).ticket);
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      email: "alice.new@example.com",
    });
    expect((await h.request(`${link.pathname}${link.search}`)).status).toBe(400);
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, {
      email: "alice@example.com",
    });
  });

  test("reset requests are limited per email, known or not: the 6th in an hour is a 429", async () => {
    const statuses = async (email: string, count: number) => {
      const answers: number[] = [];
      for (let index = 0; index < count; index++) answers.push((await requestReset(email)).status);
      return answers;
    };
    expect(await statuses("unknown-limit@example.com", 6)).toEqual([200, 200, 200, 200, 200, 429]);
    // Alice's earlier requests were days ago on the test clock: her window starts afresh.
    expect(await statuses("alice@example.com", 6)).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await requestReset("unknown-limit@example.com");
    expect(await limited.json()).toMatchObject({ code: "too_many_attempts", statusCode: 429 });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
