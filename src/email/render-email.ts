import { Liquid } from "liquidjs";

/**
 * Auth0's email templates are Liquid; so are Rulegate's, through liquidjs. Values are
 * HTML-escaped in the body (a user's name cannot inject markup), object lookups see own
 * properties only, and a template that loops or nests without end is cut off by liquidjs's
 * render limits. `templates: {}` gives liquidjs an empty in-memory file system: `include`,
 * `render` and `layout` find nothing, so a template can never read a file of the server.
 */
const SAFE = { ownPropertyOnly: true, renderLimit: 1000, templates: {} } as const;
const html = new Liquid({ ...SAFE, outputEscape: "escape", parseLimit: 100_000 });
const text = new Liquid({ ...SAFE, parseLimit: 10_000 });

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
 * Renders a template's subject and body with sample values, so one that does not parse,
 * names a file (`include`, `render`, `layout`) or runs past the limits is refused when it is
 * saved. @throws liquidjs's error
 */
export async function checkTemplate(template: { subject: string; body: string }): Promise<void> {
  await renderEmail(template, SAMPLE);
}
