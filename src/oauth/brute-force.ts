import {
  addIpFailure,
  addLoginFailure,
  clearLoginFailures,
  currentLoginFailures,
  ipBlockedUntil,
} from "../db/login-failures.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { type Audit, TooManyAttempts } from "./errors.ts";

/** Auth0's message for a blocked user+IP pair. */
export const USER_BLOCKED = "Your account has been blocked after multiple consecutive login attempts.";
export const IP_BLOCKED = "Too many failed logins from this IP address; try again later.";

async function settingsOf(deps: Deps) {
  const settings = await getTenantSettings(deps.db);
  return {
    enabled: settings?.bruteForceEnabled ?? true,
    maxAttempts: settings?.bruteForceMaxAttempts ?? 10,
    ipMaxFailures: settings?.ipMaxFailures ?? 100,
    ipBlockMs: (settings?.ipBlockSeconds ?? 900) * 1000,
  };
}

/**
 * SPEC §7, before the password is checked: an IP with too many failures in 24 hours, or a
 * login name + IP pair with too many consecutive failures, gets 429 `too_many_attempts` —
 * even with the right password — until the block ends, an admin lifts it or the password
 * changes.
 * @throws TooManyAttempts
 */
export async function assertNotBlocked(deps: Deps, login: string, ip: string): Promise<void> {
  const settings = await settingsOf(deps);
  if (!settings.enabled) return;
  const now = deps.clock.now();
  if (await ipBlockedUntil(deps.db, ip, now)) {
    throw new TooManyAttempts(IP_BLOCKED, "the IP is blocked");
  }
  const pair = await currentLoginFailures(
    deps.db,
    login,
    ip,
    now,
    deps.config.bruteForceWindowSeconds * 1000,
  );
  if (pair?.blockedAt) throw new TooManyAttempts(USER_BLOCKED, "the user+IP pair is blocked");
}

/**
 * Counts a wrong password (or unknown login name) against the pair and the IP; the failure
 * that crosses a threshold starts the block and is logged (`limit_wc`, Auth0's "blocked
 * account"; `limit_mu`, "blocked IP address").
 */
export async function recordFailedLogin(deps: Deps, login: string, ip: string, audit: Audit): Promise<void> {
  const settings = await settingsOf(deps);
  if (!settings.enabled) return;
  const now = deps.clock.now();
  const { failures, blockedNow } = await addLoginFailure(deps.db, login, ip, now, settings.maxAttempts);
  if (blockedNow) {
    await deps.events.record({
      type: "limit_wc",
      description: `Blocked ${login} from ${ip} after ${failures} consecutive failed logins`,
      ...audit,
      userName: login,
      ip,
      details: { failures },
    });
  }
  if (await addIpFailure(deps.db, ip, now, settings.ipMaxFailures, settings.ipBlockMs)) {
    await deps.events.record({
      type: "limit_mu",
      description: `Blocked IP ${ip} after ${settings.ipMaxFailures} failed logins in 24 hours`,
      ...audit,
      ip,
      details: { block_seconds: settings.ipBlockMs / 1000 },
    });
  }
}

/** A right password resets the pair's consecutive failures. */
export async function recordSuccessfulLogin(deps: Deps, login: string, ip: string): Promise<void> {
  await clearLoginFailures(deps.db, login, ip);
}
