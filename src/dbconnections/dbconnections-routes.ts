import { Elysia, t } from "elysia";
import { canSendEmail } from "../accounts/account-emails.ts";
import {
  overLimit,
  RESET_PER_EMAIL,
  RESET_PER_IP,
  requestPasswordReset,
  SIGNUP_PER_IP,
  signUp,
} from "../accounts/accounts.ts";
import type { PasswordProblem } from "../accounts/password-policy.ts";
import { findClient } from "../db/clients.ts";
import { normalizeEmail } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { containsNul } from "../http/nul.ts";
import { DATABASE_CONNECTION, DATABASE_PROVIDER } from "../model/database-connection.ts";
import { resolveClientIp } from "../oauth/resolve-client-ip.ts";
import { AuthApiError, tooManyAttempts } from "./auth-api-error.ts";

const Email = t.String({ format: "email", maxLength: 320 });
const ClientId = t.String({ minLength: 1, maxLength: 128 });
const Connection = t.String({ minLength: 1, maxLength: 128 });
const ProfileText = t.String({ minLength: 1, maxLength: 150 });

/** Auth0's body of `POST /dbconnections/signup`. */
export const SignUpBody = t.Object(
  {
    client_id: ClientId,
    email: Email,
    password: t.String({ minLength: 1, maxLength: 1024 }),
    connection: Connection,
    username: t.Optional(t.String({ pattern: "^[^@\\s]{1,128}$" })),
    given_name: t.Optional(ProfileText),
    family_name: t.Optional(ProfileText),
    name: t.Optional(t.String({ minLength: 1, maxLength: 300 })),
    nickname: t.Optional(ProfileText),
    picture: t.Optional(t.String({ format: "uri", maxLength: 2000 })),
    /** Auth0's sign-up metadata: at most 10 string properties. */
    user_metadata: t.Optional(
      t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }), { maxProperties: 10 }),
    ),
  },
  { additionalProperties: false },
);

/** Auth0's body of `POST /dbconnections/change_password`. */
export const ChangePasswordBody = t.Object(
  {
    client_id: ClientId,
    email: Email,
    connection: Connection,
    /** Auth0's organization of the reset page; Rulegate has none, so it is accepted and ignored. */
    organization: t.Optional(t.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

/** Auth0's answer to a reset request, whether or not the email is a user's. */
export const RESET_REQUESTED = "We've just sent you an email to reset your password.";

/** Auth0's `invalid_password`, with the rule that refused the password. */
export function invalidPassword(problem: PasswordProblem): AuthApiError {
  if (problem.name === "PasswordStrengthError") {
    return new AuthApiError(400, "invalid_password", problem.description, {
      name: problem.name,
      message: problem.message,
      policy: problem.policy,
    });
  }
  return new AuthApiError(400, "invalid_password", problem.message, {
    name: problem.name,
    message: problem.message,
  });
}

const invalidSignup = () => new AuthApiError(400, "invalid_signup", "Invalid sign up");

/**
 * Auth0's Authentication API for the database connection (README, "Sign-up, password reset
 * and email"): `POST /dbconnections/signup` and `POST /dbconnections/change_password`, what
 * Auth0's SDKs call for `signUp` and `changePassword`.
 */
export function dbconnectionsRoutes(deps: Deps) {
  // The end user's IP from the socket or a trusted proxy, never from `auth0-forwarded-for`:
  // these endpoints do not authenticate the client, so its vouching would be anyone's.
  const clientNamed = async (clientId: string) => {
    const client = await findClient(deps.db, clientId);
    if (!client) throw new AuthApiError(400, "bad.client_id", "Unknown client");
    return client;
  };
  const checkConnection = (connection: string) => {
    if (connection !== DATABASE_CONNECTION)
      throw new AuthApiError(400, "bad.connection", "Connection does not exist");
  };
  return new Elysia({ prefix: "/dbconnections", normalize: false })
    .onBeforeHandle(({ body }) => {
      if (containsNul(body))
        throw new AuthApiError(400, "invalid_body", "The request contains a NUL character (U+0000).");
    })
    .post(
      "/signup",
      async ({ body, request }) => {
        checkConnection(body.connection);
        const client = await clientNamed(body.client_id);
        const ip = resolveClientIp(deps.config, request);
        const wait = await overLimit(deps, `signup:ip:${ip}`, SIGNUP_PER_IP);
        if (wait !== undefined) throw tooManyAttempts(wait);
        const outcome = await signUp(
          deps,
          {
            email: body.email,
            password: body.password,
            username: body.username,
            name: body.name,
            givenName: body.given_name,
            familyName: body.family_name,
            nickname: body.nickname,
            picture: body.picture,
            userMetadata: body.user_metadata,
          },
          { ip, userAgent: request.headers.get("user-agent") ?? undefined, client },
        );
        if ("refused" in outcome) throw invalidSignup();
        if ("password" in outcome) throw invalidPassword(outcome.password);
        const { user } = outcome;
        return {
          _id: user.id.slice(DATABASE_PROVIDER.length + 1),
          email: user.email,
          email_verified: user.emailVerified,
          ...(user.username ? { username: user.username } : {}),
          ...(body.given_name ? { given_name: user.givenName } : {}),
          ...(body.family_name ? { family_name: user.familyName } : {}),
          ...(body.name ? { name: user.name } : {}),
          ...(body.nickname ? { nickname: user.nickname } : {}),
          ...(body.picture ? { picture: user.picture } : {}),
          ...(body.user_metadata ? { user_metadata: user.userMetadata } : {}),
        };
      },
      { body: SignUpBody },
    )
    .post(
      "/change_password",
      async ({ body, request }) => {
        checkConnection(body.connection);
        const client = await clientNamed(body.client_id);
        if (!(await canSendEmail(deps))) {
          throw new AuthApiError(400, "email_provider_not_configured", "No email provider is configured.");
        }
        const ip = resolveClientIp(deps.config, request);
        const wait =
          (await overLimit(deps, `reset:ip:${ip}`, RESET_PER_IP)) ??
          (await overLimit(deps, `reset:email:${normalizeEmail(body.email)}`, RESET_PER_EMAIL));
        if (wait !== undefined) throw tooManyAttempts(wait);
        await requestPasswordReset(deps, body.email, {
          ip,
          userAgent: request.headers.get("user-agent") ?? undefined,
          client,
        });
        return new Response(RESET_REQUESTED, {
          status: 200,
          headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
        });
      },
      { body: ChangePasswordBody },
    );
}
