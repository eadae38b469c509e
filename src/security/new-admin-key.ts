import { randomSecret } from "./random-secret.ts";
import { secretDigest } from "./secret-digest.ts";

/** A generated management API key and its digest, the only form of it Rulegate stores. */
export interface NewAdminKey {
  key: string;
  digest: string;
}

/** A new management API key: `rg_admin_` and 256 random bits, with its {@link secretDigest}. */
export function newAdminKey(): NewAdminKey {
  const key = `rg_admin_${randomSecret(32)}`;
  return { key, digest: secretDigest(key) };
}
