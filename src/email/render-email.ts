import type { Liquid } from "liquidjs";

/**
 * Auth0's email templates are Liquid; so are Rulegate's, through liquidjs. Values are
 * HTML-escaped in the body (a user's name cannot inject markup), object lookups see own
 * properties only, and a template that loops or nests without end is cut off by liquidjs's
 * render limits. `templates: {}` gives liquidjs an empty in-memory file system: `include`,
 * `render` and `layout` find nothing, so a template can never read a file of the server.
 */
const SAFE = { ownPropertyOnly: true, renderLimit: 1000, templates: {} } as const;

let engines: Promise<{ html: Liquid; text: Liquid }> | undefined;
/** The two engines, made on the first email or template check: liquidjs stays out of start-up. */
const liquid = () =>
  (engines ??= import("liquidjs").then(({ Liquid }) => ({
    html: new Liquid({ ...SAFE, outputEscape: "escape", parseLimit: 100_000 }),
    text: new Liquid({ ...SAFE, parseLimit: 10_000 }),
  })));

/** What an account email's template sees (Auth0's names). */
export interface EmailVariables {
  url?: string;
  user: Record<string, unknown>;
  application: { name: string; clientID?: string };
  friendly_name: string;
  tenant: string;
}

/** @throws liquidjs's error when the template does not parse or render (checked on save) */
export async function renderEmail(
  template: { subject: string; body: string },
  variables: EmailVariables,
): Promise<{ subject: string; html: string }> {
  const scope = variables as unknown as Record<string, unknown>;
  const { html, text } = await liquid();
  const [subject, body] = await Promise.all([
    text.parseAndRender(template.subject, scope),
    html.parseAndRender(template.body, scope),
  ]);
  return { subject: subject.replace(/[\r\n]+/g, " ").trim(), html: body };
}

/** What a template is tried with when it is saved. */
const SAMPLE: EmailVariables = {
  url: "https://example.com/lo/reset?ticket=sample#",
  user: {
    email: "user@example.com",
    name: "Sample User",
    email_verified: false,
    user_metadata: {},
    app_metadata: {},
  },
  application: { name: "Sample application", clientID: "cli_sample" },
  friendly_name: "Sample tenant",
  tenant: "sample",
};

/**
 * Refuses a template that names another file (`include`, `render`, `layout`), and renders the
 * rest with sample values, so one that does not parse or runs past the limits is refused when
 * it is saved (a filter that fails only on some user's values is caught when that email is
 * made: src/accounts/account-emails.ts). @throws why
 */
export async function checkTemplate(template: { subject: string; body: string }): Promise<void> {
  // Refused outright, whatever branch they sit in: an email is one self-contained template.
  const fileTag = /\{%-?\s*(include|render|layout)\b/.exec(`${template.subject}\n${template.body}`);
  if (fileTag) throw new Error(`the ${fileTag[1]} tag is not supported: a template is one file`);
  await renderEmail(template, SAMPLE);
}
