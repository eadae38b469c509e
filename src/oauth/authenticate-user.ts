import type { UserRow } from "../db/schema.ts";
import { findUserByEmail, updateUser } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import { InvalidGrant, withAudit } from "./errors.ts";

/** Auth0's answer for a wrong password and for an unknown user alike. */
export const WRONG_CREDENTIALS = "Wrong email or password.";

/**
 * Lazy re-hashing (issue 10): an imported hash, or an argon2id at older parameters, is
 * replaced by Rulegate's argon2id on the first successful login, keeping the user's id.
 */
async function rehash(deps: Deps, user: UserRow, password: string): Promise<UserRow> {
  const passwordHash = await deps.hasher.hash(password);
  // Only the hash changes; updated_at stays, it is not a change made by anyone.
  const updated = await updateUser(deps.db, user.id, { passwordHash });
  deps.log.info({ event: "password_rehashed", user_id: user.id });
  return updated ?? user;
}

/**
 * RFC 6749 §4.3.2: validates the resource owner's credentials. An unknown user costs
 * one argon2id verify against a dummy hash, so the answer and its timing are the same
 * as for a wrong password (SPEC §7). The blocked check comes after the password, so it
 * tells nothing to someone who does not know it.
 * @throws InvalidGrant
 */
export async function authenticateUser(deps: Deps, username: string, password: string): Promise<UserRow> {
  const user = await findUserByEmail(deps.db, username);
  if (!user) {
    await deps.hasher.verifyDummy(password);
    throw new InvalidGrant(WRONG_CREDENTIALS, "unknown user");
  }
  const known = { userId: user.id, userName: user.email };
  if (!(await deps.hasher.verify(user.passwordHash, password))) {
    throw withAudit(new InvalidGrant(WRONG_CREDENTIALS, "wrong password"), known);
  }
  if (user.blocked) throw withAudit(new InvalidGrant("user is blocked", "blocked user"), known);
  if (deps.hasher.needsRehash(user.passwordHash)) return rehash(deps, user, password);
  return user;
}
