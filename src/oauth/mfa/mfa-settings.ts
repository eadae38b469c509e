import type { TenantSettingsRow } from "../../db/schema.ts";
import { developmentMfaKey } from "../../db/tenant-settings.ts";
import type { Deps } from "../../deps.ts";
import { keyBytes, newMfaKey } from "../../security/mfa-secret-box.ts";

/** Auth0's Guardian policy that asks every login for a second factor. */
export const ALL_APPLICATIONS = "all-applications";

/** An `mfa_token` lives ten minutes, as Auth0's. */
export const MFA_TOKEN_LIFETIME_MS = 10 * 60 * 1000;

/** Factors one `mfa_token` may try before the user logs in again. */
export const MFA_TOKEN_MAX_ATTEMPTS = 5;

/**
 * Factors a user may try in {@link USER_ATTEMPT_WINDOW_MS}, across `mfa_token`s and nodes
 * (Auth0: 10); the window starts again at the try that reaches the limit, so a blocked user
 * waits a whole hour, and a password holder gets at most about 240 tries a day.
 */
export const USER_MAX_ATTEMPTS = 10;
export const USER_ATTEMPT_WINDOW_MS = 60 * 60 * 1000;

/** Whether the tenant's policy asks every password login for a second factor. */
export const policyAlwaysAsks = (tenant: TenantSettingsRow | undefined): boolean =>
  tenant?.mfaPolicies.includes(ALL_APPLICATIONS) ?? false;

/**
 * The key users' TOTP secrets are sealed with: `MFA_SECRET_KEY`, or in development a key
 * generated once and kept in the database (which then holds both; README, "Multi-factor
 * authentication").
 * @returns the key, or undefined in production without `MFA_SECRET_KEY` (MFA is then unavailable)
 */
export async function mfaSecretKey(deps: Deps): Promise<Uint8Array | undefined> {
  if (deps.config.mfaSecretKey !== undefined) return keyBytes(deps.config.mfaSecretKey);
  if (deps.config.production) return undefined;
  return keyBytes(await developmentMfaKey(deps.db, newMfaKey()));
}

/**
 * The keys stored secrets may be sealed with: `MFA_SECRET_KEY`, and the development key
 * when the database has one, so that secrets enrolled before `MFA_SECRET_KEY` was set keep
 * working (new ones are sealed with `MFA_SECRET_KEY`).
 */
export async function mfaOpeningKeys(
  deps: Deps,
  tenant: TenantSettingsRow | undefined,
): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  if (deps.config.mfaSecretKey !== undefined) keys.push(keyBytes(deps.config.mfaSecretKey));
  if (tenant?.developmentMfaKey) keys.push(keyBytes(tenant.developmentMfaKey));
  return keys;
}
