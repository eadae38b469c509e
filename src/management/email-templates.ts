import { t } from "elysia";
import {
  DEFAULT_TEMPLATES,
  EMAIL_TEMPLATES,
  type EmailTemplateName,
  effectiveTemplate,
  isEmailTemplateName,
} from "../accounts/email-templates.ts";
import { saveEmailTemplate } from "../db/email-templates.ts";
import type { EmailTemplateRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { checkTemplate } from "../email/render-email.ts";
import { EmailSender, HttpUrl } from "../model/email-fields.ts";
import { literalUnion } from "../model/literal-union.ts";
import { ApiError, conflict, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";

const TemplateName = literalUnion(EMAIL_TEMPLATES);
const Fields = {
  body: t.String({ minLength: 1, maxLength: 100_000 }),
  from: t.Union([t.Literal(""), EmailSender, t.Null()]),
  resultUrl: t.Union([HttpUrl, t.Null()]),
  subject: t.String({ minLength: 1, maxLength: 1000 }),
  syntax: t.Literal("liquid"),
  urlLifetimeInSeconds: t.Union([t.Integer({ minimum: 0, maximum: 2_592_000 }), t.Null()]),
  includeEmailInRedirect: t.Boolean(),
  enabled: t.Boolean(),
};

/** Auth0's email template object. */
export const EmailTemplate = t.Object({
  template: TemplateName,
  ...Fields,
  from: t.String(),
  resultUrl: t.Optional(t.String()),
  urlLifetimeInSeconds: t.Optional(t.Integer()),
});
export type EmailTemplate = typeof EmailTemplate.static;

export const CreateEmailTemplate = t.Object(
  {
    template: TemplateName,
    body: Fields.body,
    subject: Fields.subject,
    enabled: Fields.enabled,
    from: t.Optional(Fields.from),
    resultUrl: t.Optional(Fields.resultUrl),
    syntax: t.Optional(Fields.syntax),
    urlLifetimeInSeconds: t.Optional(Fields.urlLifetimeInSeconds),
    includeEmailInRedirect: t.Optional(Fields.includeEmailInRedirect),
  },
  { additionalProperties: false },
);

export const UpdateEmailTemplate = t.Object(
  {
    template: t.Optional(TemplateName),
    body: t.Optional(Fields.body),
    subject: t.Optional(Fields.subject),
    enabled: t.Optional(Fields.enabled),
    from: t.Optional(Fields.from),
    resultUrl: t.Optional(Fields.resultUrl),
    syntax: t.Optional(Fields.syntax),
    urlLifetimeInSeconds: t.Optional(Fields.urlLifetimeInSeconds),
    includeEmailInRedirect: t.Optional(Fields.includeEmailInRedirect),
  },
  { additionalProperties: false, minProperties: 1 },
);

type TemplateFields = Omit<EmailTemplateRow, "createdAt" | "updatedAt">;

const templateView = (row: TemplateFields): EmailTemplate => ({
  template: row.template as EmailTemplateName,
  body: row.body,
  from: row.sender ?? "",
  subject: row.subject,
  syntax: "liquid",
  ...(row.resultUrl ? { resultUrl: row.resultUrl } : {}),
  ...(row.urlLifetimeInSeconds === null ? {} : { urlLifetimeInSeconds: row.urlLifetimeInSeconds }),
  includeEmailInRedirect: row.includeEmailInRedirect,
  enabled: row.enabled,
});

/** The changes of a body applied to `current`, checked to render as Liquid. */
async function applied(
  current: TemplateFields,
  body: typeof UpdateEmailTemplate.static,
): Promise<TemplateFields> {
  const subject = body.subject ?? current.subject;
  const text = body.body ?? current.body;
  // Checked when the text changes, so a template can always be switched off as it is.
  if (body.subject !== undefined || body.body !== undefined) {
    try {
      await checkTemplate({ subject, body: text });
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : "it does not render";
      throw new ApiError(400, `The template is not valid Liquid: ${reason}`, "invalid_body");
    }
  }
  return {
    template: current.template,
    body: text,
    subject,
    sender: body.from === undefined ? current.sender : body.from || null,
    resultUrl: body.resultUrl === undefined ? current.resultUrl : body.resultUrl,
    urlLifetimeInSeconds:
      body.urlLifetimeInSeconds === undefined ? current.urlLifetimeInSeconds : body.urlLifetimeInSeconds,
    includeEmailInRedirect: body.includeEmailInRedirect ?? current.includeEmailInRedirect,
    enabled: body.enabled ?? current.enabled,
  };
}

/**
 * `/api/v2/email-templates`: Auth0's templates of the account emails (`verify_email`,
 * `reset_email`, `welcome_email`) in Liquid, README "Sign-up, password reset and email". A
 * template never set reads as Rulegate's default.
 */
export function emailTemplatesRoutes(deps: Deps) {
  const nameOf = (name: string): EmailTemplateName => {
    if (!isEmailTemplateName(name)) throw notFound("email template");
    return name;
  };
  const save = async (fields: TemplateFields, createdAt?: Date) => {
    const now = deps.clock.now();
    return templateView(
      await saveEmailTemplate(deps.db, { ...fields, createdAt: createdAt ?? now, updatedAt: now }),
    );
  };
  return managementPlugin(deps, "/email-templates")
    .post(
      "",
      async ({ body, set }) => {
        const current = await effectiveTemplate(deps.db, body.template);
        if (current.stored) throw conflict(`The ${body.template} template already exists.`);
        set.status = 201;
        return await save(await applied(DEFAULT_TEMPLATES[body.template], body));
      },
      { body: CreateEmailTemplate, response: { 201: EmailTemplate } },
    )
    .get(
      "/:templateName",
      async ({ params }) => templateView(await effectiveTemplate(deps.db, nameOf(params.templateName))),
      {
        response: EmailTemplate,
      },
    )
    .patch(
      "/:templateName",
      async ({ params, body }) => {
        const name = nameOf(params.templateName);
        if (body.template !== undefined && body.template !== name)
          throw new ApiError(400, "The template's name cannot change.", "invalid_body");
        return await save(await applied(await effectiveTemplate(deps.db, name), body));
      },
      { body: UpdateEmailTemplate, response: EmailTemplate },
    )
    .put(
      "/:templateName",
      async ({ params, body }) => {
        const name = nameOf(params.templateName);
        if (body.template !== name)
          throw new ApiError(400, "The template's name cannot change.", "invalid_body");
        return await save(await applied(DEFAULT_TEMPLATES[name], body));
      },
      { body: CreateEmailTemplate, response: EmailTemplate },
    );
}
