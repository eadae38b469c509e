import type { Db } from "../db/database.ts";
import { findEmailTemplate } from "../db/email-templates.ts";
import type { EmailTemplateRow } from "../db/schema.ts";

/** The account emails Rulegate sends (Auth0's template names). */
export const EMAIL_TEMPLATES = ["verify_email", "reset_email", "welcome_email"] as const;
export type EmailTemplateName = (typeof EMAIL_TEMPLATES)[number];

/** Auth0's default lifetime of the link in a password reset or a verification email: five days. */
export const DEFAULT_LINK_LIFETIME_SECONDS = 432_000;

const page = (heading: string, paragraphs: string[]) =>
  `<!doctype html>
<html lang="en">
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;">
<h1 style="font-size: 1.25rem;">${heading}</h1>
${paragraphs.map((paragraph) => `<p>${paragraph}</p>`).join("\n")}
</body>
</html>
`;

/** What a template is before an operator sets it: enabled for the links, off for the welcome. */
export const DEFAULT_TEMPLATES: Record<
  EmailTemplateName,
  Omit<EmailTemplateRow, "createdAt" | "updatedAt">
> = {
  verify_email: {
    template: "verify_email",
    subject: "Verify your email for {{ application.name }}",
    body: page("Verify your email", [
      "Hello {{ user.name }},",
      'Please confirm that {{ user.email }} is your email address: <a href="{{ url }}">verify my email</a>.',
      "If you did not sign up for {{ application.name }}, you can ignore this email.",
    ]),
    sender: null,
    resultUrl: null,
    urlLifetimeInSeconds: DEFAULT_LINK_LIFETIME_SECONDS,
    includeEmailInRedirect: false,
    enabled: true,
  },
  reset_email: {
    template: "reset_email",
    subject: "Reset your password for {{ application.name }}",
    body: page("Reset your password", [
      "Hello {{ user.name }},",
      'Someone asked to reset the password of {{ user.email }}. To choose a new one, <a href="{{ url }}">open this link</a>; it works once.',
      "If it was not you, ignore this email: your password stays as it is.",
    ]),
    sender: null,
    resultUrl: null,
    urlLifetimeInSeconds: DEFAULT_LINK_LIFETIME_SECONDS,
    includeEmailInRedirect: false,
    enabled: true,
  },
  welcome_email: {
    template: "welcome_email",
    subject: "Welcome to {{ application.name }}",
    body: page("Welcome", ["Hello {{ user.name }},", "your account {{ user.email }} is ready."]),
    sender: null,
    resultUrl: null,
    urlLifetimeInSeconds: null,
    includeEmailInRedirect: false,
    enabled: false,
  },
};

export const isEmailTemplateName = (name: string): name is EmailTemplateName =>
  (EMAIL_TEMPLATES as readonly string[]).includes(name);

/** The template in effect: the stored one, or the default. */
export async function effectiveTemplate(
  db: Db,
  name: EmailTemplateName,
): Promise<Omit<EmailTemplateRow, "createdAt" | "updatedAt"> & { stored: boolean }> {
  const stored = await findEmailTemplate(db, name);
  return stored ? { ...stored, stored: true } : { ...DEFAULT_TEMPLATES[name], stored: false };
}
