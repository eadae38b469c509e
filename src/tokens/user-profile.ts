import type { UserRow } from "../db/schema.ts";
import { DATABASE_CONNECTION, DATABASE_PROVIDER } from "../model/database-connection.ts";

/** Auth0's `identities[0].user_id` of a database user: the id without its `auth0|` prefix. */
const identityUserId = (id: string) =>
  id.startsWith(`${DATABASE_PROVIDER}|`) ? id.slice(DATABASE_PROVIDER.length + 1) : id;

/**
 * Auth0's normalized profile of a stored user: what the Management API shows
 * (`GET /api/v2/users/{id}`) and what Auth0 Rules receive as `user`. Never the password or its hash.
 */
export function auth0UserProfile(row: UserRow) {
  return {
    user_id: row.id,
    email: row.email,
    email_verified: row.emailVerified,
    name: row.name,
    user_metadata: row.userMetadata,
    app_metadata: row.appMetadata,
    blocked: row.blocked,
    ...(row.givenName ? { given_name: row.givenName } : {}),
    ...(row.familyName ? { family_name: row.familyName } : {}),
    ...(row.nickname ? { nickname: row.nickname } : {}),
    ...(row.picture ? { picture: row.picture } : {}),
    ...(row.username ? { username: row.username } : {}),
    ...(row.phoneNumber ? { phone_number: row.phoneNumber, phone_verified: row.phoneVerified } : {}),
    identities: [
      {
        connection: DATABASE_CONNECTION,
        user_id: identityUserId(row.id),
        provider: DATABASE_PROVIDER,
        isSocial: false,
      },
    ],
    // Auth0 shows these once the user has logged in.
    ...(row.lastLogin
      ? {
          logins_count: row.loginsCount,
          last_login: row.lastLogin.toISOString(),
          ...(row.lastIp ? { last_ip: row.lastIp } : {}),
        }
      : {}),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
