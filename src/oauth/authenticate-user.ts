import type { UserRow } from "../db/schema.ts";
import { findUserByEmail, updateUser } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { timeStep } from "../metrics/time-step.ts";
import { InvalidGrant } from "./errors.ts";

/** Auth0's answer for a wrong password and for an unknown user alike. */
export const WRONG_CREDENTIALS = "Wrong email or password.";

/** Why the resource owner's credentials were refused. */
export type LoginFailure = "unknown_user" | "wrong_password" | "blocked_user";

/** The password check's verdict: the user, or why not (with the user the login name matched, if any). */
export type LoginAttempt = { user: UserRow; failure?: undefined } | { user?: UserRow; failure: LoginFailure };

/**
 * What each refusal answers, and its reason in the log. An unknown user and a wrong password
 * get the same answer, so the answer tells nothing about which emails are registered.
 */
const REFUSALS: Record<LoginFailure, { description: string; detail: string }> = {
  unknown_user: { description: WRONG_CREDENTIALS, detail: "unknown user" },
  wrong_password: { description: WRONG_CREDENTIALS, detail: "wrong password" },
  blocked_user: { description: "user is blocked", detail: "blocked user" },
};

/** RFC 6749 §5.2 `invalid_grant` for refused resource owner credentials. */
export function loginRefused(failure: LoginFailure): InvalidGrant {
  const { description, detail } = REFUSALS[failure];
  return new InvalidGrant(description, detail);
}

/**
 * Lazy re-hashing (README, "Migrating from Auth0"): an imported hash, or an argon2id at older
 * parameters, is replaced by Rulegate's argon2id on the first successful login, keeping the
 * user's id.
 */
async function rehash(deps: Deps, user: UserRow, password: string): Promise<UserRow> {
  const passwordHash = await deps.hasher.hash(password);
  // Only the hash changes; updated_at stays, it is not a change made by anyone.
  const updated = await updateUser(deps.db, user.id, { passwordHash });
  deps.log.info({ event: "password_rehashed", user_id: user.id });
  return updated ?? user;
}

/**
 * RFC 6749 §4.3.2: validates the resource owner's credentials. An unknown user costs one
 * argon2id verify against a dummy hash, so the answer and its timing are the same as for a
 * wrong password (README, "Passwords"). The blocked check comes after the password, so it
 * tells nothing to someone who does not know it.
 */
export async function authenticateUser(
  deps: Deps,
  username: string,
  password: string,
): Promise<LoginAttempt> {
  const user = await timeStep(deps.metrics, "database", () => findUserByEmail(deps.db, username));
  if (!user) {
    await timeStep(deps.metrics, "password", () => deps.hasher.verifyDummy(password));
    return { failure: "unknown_user" };
  }
  const verified = await timeStep(deps.metrics, "password", () =>
    deps.hasher.verify(user.passwordHash, password),
  );
  if (!verified) return { user, failure: "wrong_password" };
  if (user.blocked) return { user, failure: "blocked_user" };
  if (deps.hasher.needsRehash(user.passwordHash)) return { user: await rehash(deps, user, password) };
  return { user };
}
