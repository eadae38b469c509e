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

/** Factors a user may try in {@link USER_ATTEMPT_WINDOW_MS}, across `mfa_token`s and nodes (Auth0: 10). */
export const USER_MAX_ATTEMPTS = 10;
export const USER_ATTEMPT_WINDOW_MS = 15 * 60 * 1000;

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
