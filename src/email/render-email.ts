import { Liquid } from "liquidjs";

/**
 * Auth0's email templates are Liquid; so are Rulegate's, through liquidjs. Values are
 * HTML-escaped in the body (a user's name cannot inject markup), object lookups see own
 * properties only, and a template that loops or nests without end is cut off by liquidjs's
 * render limits.
 */
const html = new Liquid({
  outputEscape: "escape",
  ownPropertyOnly: true,
  renderLimit: 1000,
  parseLimit: 100_000,
});
const text = new Liquid({ ownPropertyOnly: true, renderLimit: 1000, parseLimit: 10_000 });

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

/** Parses a template's subject and body, so a broken one is refused when it is saved. @throws liquidjs's error */
export function checkTemplate(template: { subject?: string; body?: string }): void {
  if (template.subject !== undefined) text.parse(template.subject);
  if (template.body !== undefined) html.parse(template.body);
}
