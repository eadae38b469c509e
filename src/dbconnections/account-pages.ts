import { Elysia, t } from "elysia";
import { liveResetLink, recordRefusedLink, resetPassword, verifyEmail } from "../accounts/accounts.ts";
import { currentPasswordRules, type PasswordProblem, policyText } from "../accounts/password-policy.ts";
import type { TicketRow, UserRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { resolveClientIp } from "../oauth/resolve-client-ip.ts";
import { pagePolicy } from "../security/page-policy.ts";
import { randomSecret } from "../security/random-secret.ts";

/** Text for HTML: the five characters that could end an element or an attribute, escaped. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const STYLE = `
body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; background: #f6f6f6; margin: 0; }
main { max-width: 26rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 0.5rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.15); }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input { display: block; width: 100%; box-sizing: border-box; padding: 0.6rem; margin-top: 0.25rem; font-size: 1rem; border: 1px solid #767676; border-radius: 0.25rem; }
input:focus, button:focus { outline: 3px solid #1a5fb4; outline-offset: 2px; }
button { margin-top: 1.5rem; width: 100%; padding: 0.7rem; font-size: 1rem; font-weight: 600; color: #fff; background: #1a5fb4; border: 0; border-radius: 0.25rem; cursor: pointer; }
.error { color: #a51d2d; border-left: 4px solid #a51d2d; padding-left: 0.75rem; white-space: pre-line; }
.hint { color: #4d4d4d; font-size: 0.9rem; white-space: pre-line; }
`;

/**
 * A page of the account flows: self-contained (no script at all, no asset from elsewhere), its
 * one `<style>` allowed by a nonce, forms posting to this origin only (and, after a post, the
 * redirect to the ticket's `result_url` origin), never framed, never cached.
 */
function page(
  status: number,
  title: string,
  content: string,
  options: { formTarget?: string } = {},
): Response {
  const nonce = randomSecret(16);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${content}
</main>
</body>
</html>
`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": pagePolicy({
        defaultSrc: "'none'",
        scriptSrc: "'none'",
        styleSrc: `'nonce-${nonce}'`,
        fontSrc: "'none'",
        formAction: options.formTarget ?? "'none'",
      }),
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
    },
  });
}

/** The longest password the form takes (the Management API's limit too). */
const MAX_PASSWORD = 1024;
/** A ticket is 43 characters; anything much longer is not one. */
const MAX_TICKET = 200;

const EXPIRED = "This link has expired or was already used. Ask for a new one from the application.";

/** The answer to a link expired, already used or unknown. */
const expiredPage = () => page(400, "Link expired", `<p role="alert">${EXPIRED}</p>`);

/** The reset form, the policy below its inputs; `error` is shown above it after a refused password. */
function resetForm(
  ticket: string,
  options: { error?: string; policy: string; formTarget: string },
): Response {
  const error = options.error
    ? `<p class="error" role="alert" id="password-error">${escapeHtml(options.error)}</p>`
    : "";
  const described = options.error
    ? ' aria-describedby="password-error password-hint"'
    : ' aria-describedby="password-hint"';
  return page(
    options.error ? 400 : 200,
    "Change your password",
    `${error}
<form method="post" action="reset">
<input type="hidden" name="ticket" value="${escapeHtml(ticket)}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" maxlength="${MAX_PASSWORD}" required${described}>
<label for="password_confirm">Confirm new password</label>
<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" maxlength="${MAX_PASSWORD}" required>
<p class="hint" id="password-hint">Your password must have:\n${escapeHtml(options.policy)}</p>
<button type="submit">Change password</button>
</form>`,
    { formTarget: options.formTarget },
  );
}

/** What a refused password's page says: Auth0's message, and for a weak one the policy it broke. */
const problemText = (problem: PasswordProblem) =>
  problem.name === "PasswordStrengthError"
    ? `${problem.message}. The password must have:\n${problem.policy}`
    : `${problem.message}.`;

/**
 * The `result_url` with Auth0's query (`success`, `message`, and `email` when the template
 * says so), for the redirect after a link did its work.
 */
function resultUrlOf(ticket: TicketRow, user: UserRow, message: string): string | undefined {
  if (!ticket.resultUrl) return undefined;
  const url = new URL(ticket.resultUrl);
  url.searchParams.set("success", "true");
  url.searchParams.set("message", message);
  if (ticket.includeEmailInRedirect) url.searchParams.set("email", user.email);
  return url.toString();
}

const redirect = (location: string) =>
  new Response(null, {
    status: 302,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });

/**
 * The answer once a link did its work: the redirect to its result URL (with Auth0's `message`),
 * or a page that says what happened.
 */
function finished(done: { ticket: TicketRow; user: UserRow }, message: string, title: string, text: string) {
  const target = resultUrlOf(done.ticket, done.user, message);
  return target ? redirect(target) : page(200, title, `<p role="status">${text}</p>`);
}

/** Where a reset form may post: this origin, and the origin its ticket's `result_url` redirects to. */
const formTargetFor = (resultUrl: string | null | undefined) =>
  resultUrl ? `'self' ${new URL(resultUrl).origin}` : "'self'";

/**
 * The pages an account email's links open (README, "Sign-up, password reset and email"):
 * `/lo/reset` (choose a new password under the connection's policy) and `/lo/verify_email`.
 */
export function accountPages(deps: Deps) {
  const origin = (request: Request) => ({
    ip: resolveClientIp(deps.config, request),
    userAgent: request.headers.get("user-agent") ?? undefined,
  });
  // Lenient on purpose: a mangled link or an odd form gets a page, never a JSON error.
  const Ticket = t.Object({ ticket: t.Optional(t.Unknown()) }, { additionalProperties: true });
  const ticketOf = (value: unknown) => (typeof value === "string" && value.length <= MAX_TICKET ? value : "");
  const expired = async (request: Request, type: "fcp" | "fv") => {
    await recordRefusedLink(deps, type, origin(request));
    return expiredPage();
  };
  const policy = async () => policyText(await currentPasswordRules(deps));
  return new Elysia({ prefix: "/lo", normalize: false })
    .get(
      "/reset",
      async ({ query }) => {
        const ticket = ticketOf(query.ticket);
        const live = ticket ? await liveResetLink(deps, ticket) : undefined;
        // Opening a dead link changes nothing, so it is not logged (a crawler could fill the
        // log); posting to one is (`fcp`).
        if (!live) return expiredPage();
        return resetForm(ticket, {
          formTarget: formTargetFor(live.ticket.resultUrl),
          policy: await policy(),
        });
      },
      { query: Ticket },
    )
    .post(
      "/reset",
      async ({ body, request }) => {
        const ticket = ticketOf(body.ticket);
        const password = typeof body.password === "string" ? body.password : "";
        const live = ticket ? await liveResetLink(deps, ticket) : undefined;
        if (!live) return await expired(request, "fcp");
        const formTarget = formTargetFor(live.ticket.resultUrl);
        const mistake =
          password === ""
            ? "Enter a new password."
            : password.length > MAX_PASSWORD
              ? `The password is longer than ${MAX_PASSWORD} characters.`
              : password !== body.password_confirm
                ? "The two passwords are not the same."
                : undefined;
        if (mistake) return resetForm(ticket, { error: mistake, formTarget, policy: await policy() });
        const outcome = await resetPassword(deps, live, password, origin(request));
        if (outcome.done) {
          return finished(
            outcome,
            "Your password has been changed successfully.",
            "Password changed",
            "Your password has been changed. You can now log in with it.",
          );
        }
        if ("expired" in outcome) return expiredPage();
        return resetForm(ticket, {
          error: problemText(outcome.password),
          formTarget,
          policy: await policy(),
        });
      },
      {
        body: t.Object(
          {
            ticket: t.Optional(t.Unknown()),
            password: t.Optional(t.Unknown()),
            password_confirm: t.Optional(t.Unknown()),
          },
          { additionalProperties: true },
        ),
      },
    )
    .get(
      "/verify_email",
      async ({ query, request }) => {
        const outcome = await verifyEmail(deps, ticketOf(query.ticket), origin(request));
        if (!outcome.done) return expiredPage();
        return finished(
          outcome,
          "Your email was verified. You can continue using the application.",
          "Email verified",
          "Your email address was verified. You can continue using the application.",
        );
      },
      { query: Ticket },
    );
}
