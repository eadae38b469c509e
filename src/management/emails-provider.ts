import { t } from "elysia";
import { getTenantSettings, updateTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import type { StoredEmailProvider } from "../email/email-provider.ts";
import { EmailSender as Sender } from "../model/email-fields.ts";
import { conflict, notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

const Credentials = t.Object(
  {
    smtp_host: t.String({ minLength: 1, maxLength: 255, pattern: "^[A-Za-z0-9.:\\[\\]-]+$" }),
    smtp_port: t.Integer({ minimum: 1, maximum: 65_535 }),
    smtp_user: t.Optional(t.String({ maxLength: 255 })),
    smtp_pass: t.Optional(t.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

/** Auth0's body of `POST /api/v2/emails/provider`: Rulegate sends through SMTP only. */
export const CreateEmailProvider = t.Object(
  {
    name: t.Literal("smtp"),
    enabled: t.Optional(t.Boolean()),
    default_from_address: t.Optional(Sender),
    credentials: Credentials,
    settings: t.Optional(t.Record(t.String({ maxLength: 100 }), t.Unknown())),
  },
  { additionalProperties: false },
);

export const UpdateEmailProvider = t.Object(
  {
    name: t.Optional(t.Literal("smtp")),
    enabled: t.Optional(t.Boolean()),
    default_from_address: t.Optional(Sender),
    credentials: t.Optional(t.Partial(Credentials, { additionalProperties: false })),
    settings: t.Optional(t.Record(t.String({ maxLength: 100 }), t.Unknown())),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** The provider as Auth0 shows it: never the SMTP password. */
export const EmailProvider = t.Object({
  name: t.Literal("smtp"),
  enabled: t.Boolean(),
  default_from_address: t.Optional(t.String()),
  credentials: t.Object({ smtp_host: t.String(), smtp_port: t.Integer(), smtp_user: t.Optional(t.String()) }),
  settings: t.Record(t.String(), t.Unknown()),
});
export type EmailProvider = typeof EmailProvider.static;

const providerView = (stored: StoredEmailProvider): EmailProvider => ({
  name: "smtp",
  enabled: stored.enabled,
  ...(stored.default_from_address ? { default_from_address: stored.default_from_address } : {}),
  credentials: {
    smtp_host: stored.credentials.smtp_host,
    smtp_port: stored.credentials.smtp_port,
    ...(stored.credentials.smtp_user ? { smtp_user: stored.credentials.smtp_user } : {}),
  },
  settings: stored.settings ?? {},
});

/** The environment's provider (`SMTP_URL`, `EMAIL_FROM`) as Auth0 would show it. */
function environmentProvider(deps: Deps): EmailProvider | undefined {
  if (!deps.config.smtpUrl) return undefined;
  const url = new URL(deps.config.smtpUrl);
  return {
    name: "smtp",
    enabled: true,
    ...(deps.config.emailFrom ? { default_from_address: deps.config.emailFrom } : {}),
    credentials: {
      smtp_host: url.hostname,
      smtp_port: Number(url.port) || (url.protocol === "smtps:" ? 465 : 587),
      ...(url.username ? { smtp_user: decodeURIComponent(url.username) } : {}),
    },
    settings: { source: "SMTP_URL" },
  };
}

/**
 * `/api/v2/emails/provider`: the SMTP server the account emails go through, as Auth0 stores
 * it. A stored provider takes the place of the environment's `SMTP_URL` while it is enabled;
 * deleting it goes back to the environment's.
 */
export function emailsProviderRoutes(deps: Deps) {
  const stored = async () =>
    ((await getTenantSettings(deps.db))?.emailProvider ?? undefined) as StoredEmailProvider | undefined;
  const store = (provider: StoredEmailProvider | null) =>
    updateTenantSettings(deps.db, {
      emailProvider: provider as unknown as Record<string, unknown> | null,
      updatedAt: deps.clock.now(),
    });
  return managementPlugin(deps, "/emails/provider")
    .get(
      "",
      async ({ query }) => {
        const current = await stored();
        const view = current ? providerView(current) : environmentProvider(deps);
        if (!view) throw notFound("email provider");
        return projectFields(view, query);
      },
      { query: t.Object(FieldsQuery) },
    )
    .post(
      "",
      async ({ body, set }) => {
        if (await stored()) throw conflict("An email provider is already configured; PATCH it.");
        const provider: StoredEmailProvider = {
          name: "smtp",
          enabled: body.enabled ?? true,
          default_from_address: body.default_from_address,
          credentials: body.credentials,
          settings: body.settings ?? {},
        };
        await store(provider);
        set.status = 201;
        return providerView(provider);
      },
      { body: CreateEmailProvider, response: { 201: EmailProvider } },
    )
    .patch(
      "",
      async ({ body }) => {
        const current = await stored();
        if (!current) throw notFound("email provider");
        const provider: StoredEmailProvider = {
          ...current,
          enabled: body.enabled ?? current.enabled,
          default_from_address: body.default_from_address ?? current.default_from_address,
          // The stored password goes only to the server it was given for: a new host or port
          // without a new password drops it, so it cannot be sent on to another server.
          credentials: {
            ...current.credentials,
            ...((body.credentials?.smtp_host ?? current.credentials.smtp_host) !==
              current.credentials.smtp_host ||
            (body.credentials?.smtp_port ?? current.credentials.smtp_port) !== current.credentials.smtp_port
              ? { smtp_pass: undefined }
              : {}),
            ...body.credentials,
          },
          settings: body.settings ?? current.settings ?? {},
        };
        await store(provider);
        return providerView(provider);
      },
      { body: UpdateEmailProvider, response: EmailProvider },
    )
    .delete("", async () => {
      if (!(await stored())) throw notFound("email provider");
      await store(null);
      return noContent();
    });
}
