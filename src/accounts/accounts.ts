import { isUniqueViolation } from "../db/errors.ts";
import { clearLoginBlocks } from "../db/login-failures.ts";
import { rememberPassword } from "../db/password-history.ts";
import { countRequest } from "../db/rate-limits.ts";
import { revokeUserFamilies } from "../db/refresh-tokens.ts";
import type { ClientRow, TicketKind, TicketRow, UserRow } from "../db/schema.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import { spendUserTickets } from "../db/tickets.ts";
import { findUserByEmail, findUserById, insertUser, replacePassword, updateUser } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import type { LogType } from "../logs/event-log.ts";
import type { ConnectionOptions } from "../model/connection-options.ts";
import { newDatabaseUserId } from "../security/new-id.ts";
import { canSendEmail, queueAccountEmail } from "./account-emails.ts";
import {
  DEFAULT_LINK_LIFETIME_SECONDS,
  type EmailTemplateName,
  effectiveTemplate,
} from "./email-templates.ts";
import { type PasswordProblem, passwordProblem, personalInfoOf } from "./password-policy.ts";
import { issueTicket, liveTicket, takeTicket } from "./tickets.ts";

/** A fixed window of requests: at most `max` per `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

const HOUR = 3_600_000;
/** Sign-ups per IP (every node counts into the same row). */
export const SIGNUP_PER_IP: RateLimit = { max: 50, windowMs: HOUR };
/** Password-reset requests per email typed, known or not, and per IP. */
export const RESET_PER_EMAIL: RateLimit = { max: 5, windowMs: HOUR };
export const RESET_PER_IP: RateLimit = { max: 50, windowMs: HOUR };

/**
 * Counts a request against `limit` under `key`.
 * @returns the seconds until the window ends when the request is over the limit, else nothing
 */
export async function overLimit(
  deps: Pick<Deps, "db" | "clock">,
  key: string,
  limit: RateLimit,
): Promise<number | undefined> {
  const now = deps.clock.now();
  const { count, resetsAt } = await countRequest(deps.db, key, limit.windowMs, now);
  if (count <= limit.max) return undefined;
  return Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000));
}

/** The database connection's options as stored (`{}` until an operator sets them). */
export async function connectionOptions(deps: Pick<Deps, "db">): Promise<ConnectionOptions> {
  return ((await getTenantSettings(deps.db))?.connectionOptions ?? {}) as ConnectionOptions;
}

/** What a sign-up asks for (Auth0's fields of `/dbconnections/signup`). */
export interface SignUp {
  email: string;
  password: string;
  username?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  nickname?: string;
  picture?: string;
  userMetadata?: Record<string, string>;
}

export type SignUpOutcome =
  | { user: UserRow }
  /** Auth0's `invalid_signup`: taken, or sign-up disabled; one answer for both. */
  | { refused: string }
  | { password: PasswordProblem };

/** Where an event came from, for the log. */
export interface Origin {
  ip?: string;
  userAgent?: string;
  client?: ClientRow;
}

const originFields = (origin: Origin) => ({
  ip: origin.ip,
  userAgent: origin.userAgent,
  clientId: origin.client?.clientId,
  clientName: origin.client?.name,
});

/** Records an account event about `user` (Auth0's type), with where the request came from. */
const userEvent = (deps: Deps, type: LogType, description: string, user: UserRow, origin: Origin) =>
  deps.events.record({ type, description, userId: user.id, userName: user.email, ...originFields(origin) });

/** Issues a single-use link of `kind` for `user` under `template`'s lifetime and result URL, and queues its email. */
async function emailLink(
  deps: Deps,
  kind: TicketKind,
  template: Awaited<ReturnType<typeof effectiveTemplate>> & { template: EmailTemplateName },
  user: UserRow,
  origin: Origin,
): Promise<void> {
  const url = await issueTicket(deps, kind, user, {
    ttlSeconds: template.urlLifetimeInSeconds || DEFAULT_LINK_LIFETIME_SECONDS,
    clientId: origin.client?.clientId,
    resultUrl: template.resultUrl ?? undefined,
    includeEmailInRedirect: template.includeEmailInRedirect,
  });
  await queueAccountEmail(deps, template.template, user, { url, client: origin.client });
}

/**
 * Signs a user up in the database connection: the connection's policy, then the user, then
 * the verification email (or the welcome email when verification is off). Logs `ss` or `fs`.
 */
export async function signUp(deps: Deps, request: SignUp, origin: Origin): Promise<SignUpOutcome> {
  const fail = async (why: string) => {
    await deps.events.record({
      type: "fs",
      description: why,
      userName: request.email,
      ...originFields(origin),
    });
  };
  if ((await connectionOptions(deps)).disable_signup === true) {
    await fail("Sign-up is disabled on the connection");
    return { refused: "disabled" };
  }
  const problem = await passwordProblem(deps, request.password, {
    info: { ...request, userMetadata: request.userMetadata },
  });
  if (problem) {
    await fail(problem.message);
    return { password: problem };
  }
  const now = deps.clock.now();
  let user: UserRow;
  try {
    user = await insertUser(deps.db, {
      id: newDatabaseUserId(),
      email: request.email,
      emailVerified: false,
      name: request.name ?? request.email,
      givenName: request.givenName,
      familyName: request.familyName,
      nickname: request.nickname ?? request.email.split("@")[0],
      picture: request.picture,
      username: request.username,
      passwordHash: await deps.hasher.hash(request.password),
      userMetadata: request.userMetadata ?? {},
      appMetadata: {},
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await fail("The user already exists");
    return { refused: "exists" };
  }
  await userEvent(deps, "ss", "Successful sign-up", user, origin);
  if (!(await sendVerificationEmail(deps, user, origin)))
    await queueAccountEmail(deps, "welcome_email", user, { client: origin.client });
  return { user };
}

/**
 * Queues the verification email for `user` when the `verify_email` template is enabled and
 * this node may send email. Logs `svr`, or `fvr` when it cannot.
 * @returns whether an email was queued
 */
export async function sendVerificationEmail(
  deps: Deps,
  user: UserRow,
  origin: Origin = {},
): Promise<boolean> {
  const template = await effectiveTemplate(deps.db, "verify_email");
  if (!template.enabled) return false;
  if (!(await canSendEmail(deps))) {
    deps.log.warn(
      { event: "email_not_configured", template: "verify_email" },
      "no email provider: verification email not sent",
    );
    await userEvent(deps, "fvr", "No email provider is configured", user, origin);
    return false;
  }
  await emailLink(deps, "email_verification", { ...template, template: "verify_email" }, user, origin);
  await userEvent(deps, "svr", "Verification email queued", user, origin);
  return true;
}

/**
 * A forgotten password: when `email` is a user's, a single-use reset link by email (`scpr`);
 * otherwise nothing is sent (`fcpr`). The caller answers the same either way.
 */
export async function requestPasswordReset(deps: Deps, email: string, origin: Origin): Promise<void> {
  const user = await findUserByEmail(deps.db, email);
  const template = await effectiveTemplate(deps.db, "reset_email");
  if (!user || !template.enabled) {
    await deps.events.record({
      type: "fcpr",
      description: user ? "The reset_email template is disabled" : "No user with this email",
      userName: email,
      ...originFields(origin),
    });
    return;
  }
  await emailLink(deps, "password_change", { ...template, template: "reset_email" }, user, origin);
  await userEvent(deps, "scpr", "Password reset email queued", user, origin);
}

/** The user a live ticket is for, when the ticket is live and the user's email is still the one it was sent to. */
async function ticketUser(deps: Deps, ticket: TicketRow | undefined): Promise<UserRow | undefined> {
  if (!ticket) return undefined;
  const user = await findUserById(deps.db, ticket.userId);
  return user && user.email === ticket.email ? user : undefined;
}

/** A reset link that can still be used: its secret, its ticket and the user it is for. */
export interface ResetLink {
  secret: string;
  ticket: TicketRow;
  user: UserRow;
}

/** The reset link while it can still be used (its page shows the form), else nothing. */
export async function liveResetLink(deps: Deps, secret: string): Promise<ResetLink | undefined> {
  const ticket = await liveTicket(deps, "password_change", secret);
  const user = await ticketUser(deps, ticket);
  return ticket && user ? { secret, ticket, user } : undefined;
}

/** Records a link that was opened or posted after it expired or was used (`fcp`, `fv`). */
export async function recordRefusedLink(deps: Deps, type: "fcp" | "fv", origin: Origin): Promise<void> {
  const what = type === "fcp" ? "reset" : "verification";
  await deps.events.record({
    type,
    description: `The ${what} link has expired or was already used`,
    ...originFields(origin),
  });
}

export type ResetOutcome =
  | { done: true; ticket: TicketRow; user: UserRow }
  | { done: false; expired: true }
  | { done: false; password: PasswordProblem };

/**
 * Sets a new password through a reset link found live ({@link liveResetLink}): checked against
 * the policy before the link is spent (a refused password leaves it usable), then the link is
 * spent in one statement (a second use, on any node, finds it spent). The user's refresh tokens are revoked and their
 * brute-force blocks lifted, as Auth0 does on a password change. Logs `scp` or `fcp`.
 */
export async function resetPassword(
  deps: Deps,
  { secret, user }: ResetLink,
  password: string,
  origin: Origin,
): Promise<ResetOutcome> {
  const problem = await passwordProblem(deps, password, { info: personalInfoOf(user), user });
  if (problem) {
    await userEvent(deps, "fcp", problem.message, user, origin);
    return { done: false, password: problem };
  }
  const hash = await deps.hasher.hash(password);
  const ticket = await takeTicket(deps, "password_change", secret);
  if (!ticket || ticket.userId !== user.id) return { done: false, expired: true };
  const now = deps.clock.now();
  const changes = {
    passwordHash: hash,
    ...(ticket.markEmailVerified ? { emailVerified: true } : {}),
    updatedAt: now,
  };
  // Replaced only if unchanged since it was read, so the history gets the hash really left
  // behind even if an administrator changed the password meanwhile (then read again).
  let replaced = user.passwordHash;
  let updated = await replacePassword(deps.db, user.id, replaced, changes);
  for (let tries = 0; !updated && tries < 3; tries++) {
    const current = await findUserById(deps.db, user.id);
    // The user was deleted meanwhile: the link has nothing left to reset.
    if (!current) return { done: false, expired: true };
    replaced = current.passwordHash;
    updated = await replacePassword(deps.db, user.id, replaced, changes);
  }
  if (!updated) return { done: false, expired: true };
  await rememberPassword(deps.db, user.id, replaced, now);
  // The user's other reset links die with the old password; their sessions too (Auth0 does the same).
  await spendUserTickets(deps.db, user.id, "password_change", now);
  await clearLoginBlocks(deps.db, user.email);
  await revokeUserFamilies(deps.db, user.id, "password_changed", now);
  await userEvent(deps, "scp", "Password changed through a reset link", user, origin);
  return { done: true, ticket, user: updated };
}

export type VerifyOutcome = { done: true; ticket: TicketRow; user: UserRow } | { done: false };

/** Opens a verification link: sets `email_verified` (`sv`, and the welcome email), or `fv`. */
export async function verifyEmail(deps: Deps, secret: string, origin: Origin): Promise<VerifyOutcome> {
  const ticket = await takeTicket(deps, "email_verification", secret);
  const user = await ticketUser(deps, ticket);
  if (!ticket || !user) {
    await recordRefusedLink(deps, "fv", origin);
    return { done: false };
  }
  const updated =
    (await updateUser(deps.db, user.id, { emailVerified: true, updatedAt: deps.clock.now() })) ?? user;
  await userEvent(deps, "sv", "Email verified", user, origin);
  if (!user.emailVerified) await queueAccountEmail(deps, "welcome_email", updated, {});
  return { done: true, ticket, user: updated };
}
