import { randomSecret } from "./random-secret.ts";

/** A new opaque id with a readable prefix, e.g. `usr_…`, `api_…` (Auth0-style, not guessable). */
export function newId(prefix: string): string {
  return `${prefix}_${randomSecret(15)}`;
}

/**
 * A new database user's id as Auth0 makes them: `auth0|` and 24 hex digits (Auth0's are
 * MongoDB ObjectIds; these are random), so that a token's `sub` looks alike for every user.
 */
export function newDatabaseUserId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `auth0|${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
