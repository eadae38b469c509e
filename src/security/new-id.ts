import { randomSecret } from "./random-secret.ts";

/** A new opaque id with a readable prefix, e.g. `usr_…`, `api_…` (Auth0-style, not guessable). */
export function newId(prefix: string): string {
  return `${prefix}_${randomSecret(15)}`;
}
