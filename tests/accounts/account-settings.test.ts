/**
 * The Management API's side of the account flows: the database connection as Auth0 shows it
 * and its options, the email templates (Liquid, checked on save), the email provider (the
 * password never shown), the policy on the users API; and what happens without a provider:
 * development prints the link, production refuses the flows that send email.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { listEmails, queueEmail } from "../../src/db/email-outbox.ts";
import { getTenantSettings } from "../../src/db/tenant-settings.ts";
import { emailRoute } from "../../src/email/email-provider.ts";
import { createHarness, type Harness, type SeededTenant, seedTenant } from "../support/harness.ts";

const CONNECTION_ID = "con_rulegatedatabase";

describe("connections, templates and the provider", () => {
  let h: Harness;
  let seed: SeededTenant;
  beforeAll(async () => {
    h = await createHarness({
      SMTP_URL: "smtp://mailer:secret-pass@127.0.0.1:1",
      EMAIL_FROM: "no-reply@acme.example",
    });
    seed = await seedTenant(h);
  });
  afterAll(() => h.close());

  test("the one database connection, with Auth0's fields, found by name and strategy", async () => {
    const listed = await (await h.admin("GET", "/connections")).json();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: CONNECTION_ID,
      name: "Username-Password-Authentication",
      strategy: "auth0",
      is_domain_connection: false,
      realms: ["Username-Password-Authentication"],
      options: {
        passwordPolicy: "low",
        password_complexity_options: { min_length: 8 },
        brute_force_protection: true,
      },
    });
    expect(listed[0].enabled_clients).toEqual(
      expect.arrayContaining([seed.postClient.client_id, seed.publicClient.client_id]),
    );
    expect(
      await (
        await h.admin("GET", "/connections?strategy=auth0&name=Username-Password-Authentication")
      ).json(),
    ).toHaveLength(1);
    expect(await (await h.admin("GET", "/connections?strategy=google-oauth2")).json()).toEqual([]);
    expect(await (await h.admin("GET", "/connections?name=other")).json()).toEqual([]);
    expect(await (await h.admin("GET", "/connections?include_totals=true")).json()).toMatchObject({
      total: 1,
      start: 0,
    });
    expect(await (await h.admin("GET", `/connections/${CONNECTION_ID}?fields=id,name`)).json()).toEqual({
      id: CONNECTION_ID,
      name: "Username-Password-Authentication",
    });
    expect((await h.admin("GET", "/connections/con_other")).status).toBe(404);
  });

  test("PATCH replaces the options whole, as Auth0 does; brute_force_protection is the tenant's switch", async () => {
    const patched = await h.admin("PATCH", `/connections/${CONNECTION_ID}`, {
      options: { passwordPolicy: "fair", brute_force_protection: false, mfa: { active: true } },
    });
    expect(patched.status).toBe(200);
    expect((await patched.json()).options).toEqual({
      passwordPolicy: "fair",
      brute_force_protection: false,
      mfa: { active: true },
    });
    expect((await (await h.admin("GET", "/tenants/settings")).json()).brute_force_protection.enabled).toBe(
      false,
    );
    await h.admin("PATCH", `/connections/${CONNECTION_ID}`, { options: { brute_force_protection: true } });
    expect((await (await h.admin("GET", "/tenants/settings")).json()).brute_force_protection.enabled).toBe(
      true,
    );

    for (const options of [
      { passwordPolicy: "strong" },
      { password_history: { enable: true, size: 25 } },
      { password_complexity_options: { min_length: 0 } },
      { disable_signup: "yes" },
    ]) {
      const refused = await h.admin("PATCH", `/connections/${CONNECTION_ID}`, { options });
      expect(refused.status).toBe(400);
      expect((await refused.json()).errorCode).toBe("invalid_body");
    }
    expect(
      (await h.admin("POST", "/connections", { name: "google", strategy: "google-oauth2" })).status,
    ).toBe(400);
    expect((await h.admin("DELETE", `/connections/${CONNECTION_ID}`)).status).toBe(400);
    await h.admin("PATCH", `/connections/${CONNECTION_ID}`, { options: {} });
  });

  test("the policy applies to the users API with Auth0's message, and history to updates", async () => {
    await h.admin("PATCH", `/connections/${CONNECTION_ID}`, {
      options: { passwordPolicy: "good", password_history: { enable: true, size: 2 } },
    });
    const weak = await h.admin("POST", "/users", { email: "weak@example.com", password: "weakpassword" });
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({
      message: "PasswordStrengthError: Password is too weak",
      errorCode: "invalid_password",
    });
    const created = await h.admin("POST", "/users", {
      email: "strong@example.com",
      password: "Strong-pass-1",
    });
    expect(created.status).toBe(201);
    const id = encodeURIComponent((await created.json()).user_id);
    const same = await h.admin("PATCH", `/users/${id}`, { password: "Strong-pass-1" });
    expect(await same.json()).toMatchObject({
      message: "PasswordHistoryError: Password has previously been used",
    });
    expect((await h.admin("PATCH", `/users/${id}`, { password: "Strong-pass-2" })).status).toBe(200);
    expect((await h.admin("PATCH", `/users/${id}`, { password: "Strong-pass-3" })).status).toBe(200);
    // Size 2: the current password and the one before it; the first is free again.
    expect((await h.admin("PATCH", `/users/${id}`, { password: "Strong-pass-2" })).status).toBe(400);
    expect((await h.admin("PATCH", `/users/${id}`, { password: "Strong-pass-1" })).status).toBe(200);
    await h.admin("PATCH", `/connections/${CONNECTION_ID}`, { options: {} });
  });

  test("email templates read as the defaults until set, take Liquid, and refuse a template that does not parse", async () => {
    const initial = await (await h.admin("GET", "/email-templates/reset_email")).json();
    expect(initial).toMatchObject({
      template: "reset_email",
      syntax: "liquid",
      enabled: true,
      urlLifetimeInSeconds: 432_000,
      from: "",
    });
    expect(initial.body).toContain("{{ url }}");
    expect((await h.admin("GET", "/email-templates/change_password")).status).toBe(404);

    const patched = await h.admin("PATCH", "/email-templates/reset_email", {
      subject: "Reset for {{ user.email }}",
      body: '<p>Hi {{ user.name }}, <a href="{{ url }}">reset</a> for {{ application.name }}</p>',
      from: "Support <support@acme.example>",
      urlLifetimeInSeconds: 3600,
      resultUrl: "https://app.example.com/reset-done",
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      from: "Support <support@acme.example>",
      urlLifetimeInSeconds: 3600,
    });
    const broken = await h.admin("PATCH", "/email-templates/reset_email", {
      body: "{% if user %}never closed",
    });
    expect(broken.status).toBe(400);
    expect((await broken.json()).message).toStartWith("The template is not valid Liquid");
    // A template can name no file of the server: liquidjs has no file system here.
    for (const tag of [
      "{% include 'package.json' %}",
      "{% render '/etc/passwd' %}",
      "{% layout 'README.md' %}",
      "{% if user.email_verified %}{%- include 'x' %}{% endif %}",
    ]) {
      const reading = await h.admin("PATCH", "/email-templates/verify_email", { body: `<p>${tag}</p>` });
      expect(reading.status).toBe(400);
      expect(JSON.stringify(await reading.json())).not.toContain("rulegate");
    }
    // A lifetime of 0 means the default, as for tickets: links are never dead on arrival.
    expect(
      (await h.admin("PATCH", "/email-templates/verify_email", { urlLifetimeInSeconds: 0 })).status,
    ).toBe(200);
    expect((await h.admin("POST", "/jobs/verification-email", { user_id: seed.alice.user_id })).status).toBe(
      201,
    );
    const [verification] = await h.deps.db.orm.select().from(h.deps.db.tables.tickets);
    expect(verification!.expiresAt.getTime() - verification!.createdAt.getTime()).toBe(432_000_000);
    expect(
      (
        await h.admin("POST", "/email-templates", {
          template: "reset_email",
          body: "x",
          subject: "y",
          enabled: true,
        })
      ).status,
    ).toBe(409);
    const put = await h.admin("PUT", "/email-templates/welcome_email", {
      template: "welcome_email",
      body: "<p>Welcome {{ user.email }}</p>",
      subject: "Welcome",
      enabled: true,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ template: "welcome_email", enabled: true, syntax: "liquid" });

    // A template that renders for the sample but not for one user's values: that request is
    // still answered as any other, the email is not made, and an `fn` event says why.
    await h.admin("PATCH", "/email-templates/reset_email", { body: "<p>{{ user.name | url_decode }}</p>" });
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, { name: "50%FF off" });
    const unrenderable = await resetRequest(h, seed.postClient.client_id);
    expect(unrenderable.status).toBe(200);
    expect(await unrenderable.text()).toBe("We've just sent you an email to reset your password.");
    expect((await listEmails(h.deps.db)).filter((email) => email.template === "reset_email")).toEqual([]);
    const failures = await (await h.admin("GET", "/logs?q=type:fn")).json();
    expect(failures[0].description).toStartWith("The reset_email template could not be rendered");
    await h.admin("PATCH", "/email-templates/reset_email", {
      body: '<p>Hi {{ user.name }}, <a href="{{ url }}">reset</a> for {{ application.name }}</p>',
    });

    // A reset request renders the stored template: values escaped, the sender and lifetime taken.
    await h.admin("PATCH", `/users/${encodeURIComponent(seed.alice.user_id)}`, { name: "<b>Alice</b>" });
    const requested = await resetRequest(h, seed.postClient.client_id);
    expect(requested.status).toBe(200);
    const queued = (await listEmails(h.deps.db)).find((email) => email.template === "reset_email");
    expect(queued).toMatchObject({
      subject: "Reset for alice@example.com",
      sender: "Support <support@acme.example>",
      recipient: "alice@example.com",
    });
  });

  test("the email provider: the environment's until one is stored, never its password", async () => {
    const fromEnvironment = await h.admin("GET", "/emails/provider");
    expect(fromEnvironment.status).toBe(200);
    const shown = await fromEnvironment.json();
    expect(shown).toEqual({
      name: "smtp",
      enabled: true,
      default_from_address: "no-reply@acme.example",
      credentials: { smtp_host: "127.0.0.1", smtp_port: 1, smtp_user: "mailer" },
      settings: { source: "SMTP_URL" },
    });
    expect(JSON.stringify(shown)).not.toContain("secret-pass");
    expect((await h.admin("PATCH", "/emails/provider", { enabled: false })).status).toBe(404);

    const created = await h.admin("POST", "/emails/provider", {
      name: "smtp",
      default_from_address: "mail@acme.example",
      credentials: {
        smtp_host: "smtp.acme.example",
        smtp_port: 587,
        smtp_user: "apikey",
        smtp_pass: "stored-secret",
      },
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(await created.json())).not.toContain("stored-secret");
    expect(
      (
        await h.admin("POST", "/emails/provider", {
          name: "smtp",
          credentials: { smtp_host: "x", smtp_port: 25 },
        })
      ).status,
    ).toBe(409);
    const patched = await h.admin("PATCH", "/emails/provider", { credentials: { smtp_port: 2525 } });
    expect(await patched.json()).toMatchObject({
      credentials: { smtp_host: "smtp.acme.example", smtp_port: 2525, smtp_user: "apikey" },
    });
    expect(
      (await h.admin("POST", "/emails/provider", { name: "mandrill", credentials: { api_key: "k" } })).status,
    ).toBe(400);
    const storedCredentials = async () =>
      ((await getTenantSettings(h.deps.db))!.emailProvider as { credentials: Record<string, unknown> })
        .credentials;
    // The password goes with the server it was given for: the port changed above, so it went.
    expect((await storedCredentials()).smtp_pass).toBeUndefined();
    await h.admin("PATCH", "/emails/provider", { credentials: { smtp_pass: "second-secret" } });
    // The same host and port sent back (a GET, edited, PATCHed) keep it.
    await h.admin("PATCH", "/emails/provider", {
      credentials: { smtp_host: "smtp.acme.example", smtp_port: 2525, smtp_user: "other" },
    });
    expect((await storedCredentials()).smtp_pass).toBe("second-secret");
    // A new host without a new password drops it: it is never sent to another server.
    await h.admin("PATCH", "/emails/provider", { credentials: { smtp_host: "elsewhere.example" } });
    expect(await storedCredentials()).toEqual({
      smtp_host: "elsewhere.example",
      smtp_port: 2525,
      smtp_user: "other",
    });
    // STARTTLS is required off loopback: a name that merely starts with 127. is not loopback.
    for (const [host, required] of [
      ["127.0.0.1", false],
      ["localhost", false],
      ["127.mail.example.com", true],
      ["smtp.acme.example", true],
    ] as const) {
      const route = emailRoute(h.deps.config, {
        emailProvider: { name: "smtp", enabled: true, credentials: { smtp_host: host, smtp_port: 587 } },
      });
      expect((route.transport as { requireTLS: boolean }).requireTLS).toBe(required);
    }
    expect((await h.admin("DELETE", "/emails/provider")).status).toBe(204);
    expect((await (await h.admin("GET", "/emails/provider")).json()).credentials.smtp_host).toBe("127.0.0.1");
    expect(h.logLines.join("\n")).not.toMatch(/secret-pass|stored-secret/);
  });
});

/** Alice's password-reset request through `/dbconnections/change_password`. */
const resetRequest = (h: Harness, clientId: string) =>
  h.request("/dbconnections/change_password", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: clientId,
      email: "alice@example.com",
      connection: "Username-Password-Authentication",
    }),
  });

/** What the server printed on the terminal (stderr) while `work` ran. */
async function printedDuring(work: () => Promise<void>): Promise<string> {
  const printed: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => {
    printed.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stderr.write = original;
  }
  return printed.join("");
}

describe("without an email provider", () => {
  test("development queues the email and prints its link on the terminal", async () => {
    const h = await createHarness();
    const seed = await seedTenant(h);
    const printed = await printedDuring(async () => {
      const answer = await resetRequest(h, seed.postClient.client_id);
      expect(answer.status).toBe(200);
      await h.deps.emails.idle();
    });
    expect(printed).toMatch(
      /Email to alice@example\.com: Reset your password[\s\S]*http:\/\/localhost\/lo\/reset\?ticket=/,
    );
    expect((await listEmails(h.deps.db))[0]).toMatchObject({ status: "sent", html: null });
    expect((await h.admin("GET", "/emails/provider")).status).toBe(404);
    await h.close();
  });

  test("production refuses the flows that send email, and sign-up still works without its email", async () => {
    const h = await createHarness({ NODE_ENV: "production" });
    const seed = await seedTenant(h);
    const reset = await resetRequest(h, seed.postClient.client_id);
    expect(reset.status).toBe(400);
    expect(await reset.json()).toMatchObject({ code: "email_provider_not_configured" });
    const job = await h.admin("POST", "/jobs/verification-email", { user_id: seed.alice.user_id });
    expect(job.status).toBe(400);
    expect((await job.json()).errorCode).toBe("email_provider_not_configured");
    const signUp = await h.request("/dbconnections/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: seed.postClient.client_id,
        email: "prod@example.com",
        password: "a fine long password",
        connection: "Username-Password-Authentication",
      }),
    });
    expect(signUp.status).toBe(200);
    expect(await listEmails(h.deps.db)).toEqual([]);
    expect(h.logLines.join("\n")).toContain("email_not_configured");

    // An email queued while a provider was set, which is gone by the time it is sent, waits for
    // one: production never prints a link.
    await queueEmail(
      h.deps.db,
      {
        id: "email_waiting",
        template: "reset_email",
        userId: null,
        recipient: "a@example.com",
        sender: "x@example.com",
        subject: "s",
        html: '<a href="http://localhost/lo/reset?ticket=secret#">x</a>',
      },
      new Date(),
    );
    const printed = await printedDuring(async () => {
      h.deps.emails.poke();
      await h.deps.emails.idle();
    });
    expect(printed).not.toContain("ticket=secret");
    expect(await listEmails(h.deps.db)).toEqual([
      expect.objectContaining({
        id: "email_waiting",
        status: "pending",
        attempts: 1,
        lastError: "no email provider is configured",
      }),
    ]);
    await h.close();
  });
});
