import { queueEmail } from "../db/email-outbox.ts";
import type { ClientRow, TenantSettingsRow, UserRow } from "../db/schema.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { emailRoute } from "../email/email-provider.ts";
import { renderEmail } from "../email/render-email.ts";
import { newId } from "../security/new-id.ts";
import { auth0UserProfile } from "../tokens/user-profile.ts";
import { type EmailTemplateName, effectiveTemplate } from "./email-templates.ts";

/**
 * Whether this node may queue account emails: always in development (without a provider they
 * are printed on the terminal), in production only with a provider, since otherwise the link
 * would reach nobody.
 */
export async function canSendEmail(deps: Pick<Deps, "config" | "db">): Promise<boolean> {
  return deps.config.production ? mayQueue(deps.config, await getTenantSettings(deps.db)) : true;
}

/** {@link canSendEmail} over tenant settings already read. */
const mayQueue = (config: Deps["config"], settings: TenantSettingsRow | undefined) =>
  !config.production || emailRoute(config, settings).transport !== undefined;

/**
 * Renders the template for `user` and queues the email (stored before the caller answers;
 * sent by whichever node claims it, README "Sign-up, password reset and email").
 * @returns false when the template is disabled or does not render for this user, or, in
 *   production, no provider is set (nothing queued)
 */
export async function queueAccountEmail(
  deps: Deps,
  name: EmailTemplateName,
  user: UserRow,
  options: { url?: string; client?: ClientRow },
): Promise<boolean> {
  const template = await effectiveTemplate(deps.db, name);
  if (!template.enabled) return false;
  const settings = await getTenantSettings(deps.db);
  if (!mayQueue(deps.config, settings)) {
    deps.log.warn({ event: "email_not_configured", template: name }, `no email provider: ${name} not sent`);
    return false;
  }
  let rendered: Awaited<ReturnType<typeof renderEmail>>;
  try {
    rendered = await renderEmail(template, {
      url: options.url,
      user: auth0UserProfile(user) as unknown as Record<string, unknown>,
      application: {
        name: options.client?.name ?? settings?.friendlyName ?? deps.config.tenant,
        clientID: options.client?.clientId,
      },
      friendly_name: settings?.friendlyName ?? deps.config.tenant,
      tenant: deps.config.tenant,
    });
  } catch (error) {
    // A template that renders for the sample but not for this user (a filter on a value it
    // cannot take): the request still gets its answer, and the operator an event saying why.
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    deps.log.warn({ event: "email_render_failed", template: name, err: reason });
    await deps.events.record({
      type: "fn",
      description: `The ${name} template could not be rendered: ${reason}`,
      userId: user.id,
      userName: user.email,
    });
    return false;
  }

  await queueEmail(
    deps.db,
    {
      id: newId("email"),
      template: name,
      userId: user.id,
      recipient: user.email,
      sender: template.sender ?? emailRoute(deps.config, settings).from,
      subject: rendered.subject,
      html: rendered.html,
    },
    deps.clock.now(),
  );
  deps.emails.poke();
  return true;
}
