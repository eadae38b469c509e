import { t } from "elysia";
import { issueTicket } from "../accounts/tickets.ts";
import { findClient } from "../db/clients.ts";
import { findUserByEmail, findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { DATABASE_CONNECTION_ID } from "../model/database-connection.ts";
import { HttpUrl } from "../model/email-fields.ts";
import { badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";

const UserId = t.String({ minLength: 1, maxLength: 255 });
const ResultUrl = HttpUrl;
/** Auth0 lets a ticket live up to 30 days; five days unless `ttl_sec` says otherwise. */
const TtlSeconds = t.Integer({ minimum: 0, maximum: 2_592_000 });
const DEFAULT_TTL_SECONDS = 432_000;

export const PasswordChangeTicketBody = t.Object(
  {
    user_id: t.Optional(UserId),
    email: t.Optional(t.String({ format: "email", maxLength: 320 })),
    connection_id: t.Optional(t.String({ maxLength: 128 })),
    client_id: t.Optional(t.String({ maxLength: 128 })),
    organization_id: t.Optional(t.String({ maxLength: 128 })),
    result_url: t.Optional(ResultUrl),
    ttl_sec: t.Optional(TtlSeconds),
    mark_email_as_verified: t.Optional(t.Boolean()),
    includeEmailInRedirect: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);

export const EmailVerificationTicketBody = t.Object(
  {
    user_id: UserId,
    client_id: t.Optional(t.String({ maxLength: 128 })),
    organization_id: t.Optional(t.String({ maxLength: 128 })),
    result_url: t.Optional(ResultUrl),
    ttl_sec: t.Optional(TtlSeconds),
    includeEmailInRedirect: t.Optional(t.Boolean()),
    identity: t.Optional(t.Object({ user_id: t.String(), provider: t.String() })),
  },
  { additionalProperties: false },
);

export const Ticket = t.Object({ ticket: t.String() });

/**
 * `/api/v2/tickets`: Auth0's password-change and email-verification tickets, the links an
 * application sends its users itself (README, "Sign-up, password reset and email").
 */
export function ticketsRoutes(deps: Deps) {
  const clientOf = async (clientId: string | undefined) => {
    if (clientId === undefined) return undefined;
    if (!(await findClient(deps.db, clientId))) throw notFound("client");
    return clientId;
  };
  const ttlOf = (ttl: number | undefined) => (ttl === undefined || ttl === 0 ? DEFAULT_TTL_SECONDS : ttl);
  return managementPlugin(deps, "/tickets")
    .post(
      "/password-change",
      async ({ body, set }) => {
        if ((body.user_id === undefined) === (body.email === undefined)) {
          throw badRequest("Payload validation error: give either user_id or email.");
        }
        if (body.connection_id !== undefined && body.connection_id !== DATABASE_CONNECTION_ID) {
          throw notFound("connection");
        }
        const user = body.user_id
          ? await findUserById(deps.db, body.user_id)
          : await findUserByEmail(deps.db, body.email!);
        if (!user) throw notFound("user");
        const ticket = await issueTicket(deps, "password_change", user, {
          ttlSeconds: ttlOf(body.ttl_sec),
          clientId: await clientOf(body.client_id),
          resultUrl: body.result_url,
          markEmailVerified: body.mark_email_as_verified,
          includeEmailInRedirect: body.includeEmailInRedirect,
        });
        set.status = 201;
        return { ticket };
      },
      { body: PasswordChangeTicketBody, response: { 201: Ticket } },
    )
    .post(
      "/email-verification",
      async ({ body, set }) => {
        const user = await findUserById(deps.db, body.user_id);
        if (!user) throw notFound("user");
        const ticket = await issueTicket(deps, "email_verification", user, {
          ttlSeconds: ttlOf(body.ttl_sec),
          clientId: await clientOf(body.client_id),
          resultUrl: body.result_url,
          includeEmailInRedirect: body.includeEmailInRedirect,
        });
        set.status = 201;
        return { ticket };
      },
      { body: EmailVerificationTicketBody, response: { 201: Ticket } },
    );
}
