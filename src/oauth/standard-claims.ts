import type { UserRow } from "../db/schema.ts";

/**
 * OpenID Connect Core §5.4: the standard claims a scope releases, for the ID token and
 * for userinfo. `nickname` is the email's local part, as Auth0 derives it.
 */
export function standardClaims(user: UserRow, scope: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scope.includes("profile")) {
    claims.name = user.name;
    claims.nickname = user.email.split("@")[0];
    claims.updated_at = Math.floor(user.updatedAt.getTime() / 1000);
  }
  if (scope.includes("email")) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  return claims;
}
