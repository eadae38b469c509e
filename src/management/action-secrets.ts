import type { ActionSecrets } from "../db/schema.ts";
import { badRequest } from "./api-error.ts";

/** A secret as Auth0's create and update take it: a name, and a value (write-only). */
export type SecretInput = { name: string; value?: string };

/**
 * An action's secrets after a create or update that sends `secrets` (Auth0 Management API v2,
 * Actions): the list replaces the draft's, so a secret left out is removed. A secret sent
 * with its name only keeps its value; a new value is dated `now`. A secret's value is never
 * in an error message.
 */
export function nextSecrets(current: ActionSecrets, given: SecretInput[], now: number): ActionSecrets {
  const next: ActionSecrets = {};
  for (const [index, secret] of given.entries()) {
    if (Object.hasOwn(next, secret.name))
      throw badRequest(`secrets[${index}]: a secret of this name is already in the list.`);
    const kept = Object.hasOwn(current, secret.name) ? current[secret.name] : undefined;
    if (secret.value === undefined) {
      if (!kept) throw badRequest(`secrets[${index}]: a new secret needs a value.`);
      next[secret.name] = kept;
    } else {
      next[secret.name] = kept?.value === secret.value ? kept : { value: secret.value, updatedAt: now };
    }
  }
  return next;
}
