import {
  addIpFailure,
  addLoginFailure,
  clearLoginFailures,
  currentLoginFailures,
  ipBlockedUntil,
} from "../db/login-failures.ts";
import type { ClientRow, TenantSettingsRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { LoginFailure } from "./authenticate-user.ts";
import { TooManyAttempts } from "./errors.ts";

/** Auth0's message for a blocked user+IP pair. */
export const USER_BLOCKED = "Your account has been blocked after multiple consecutive login attempts.";
export const IP_BLOCKED = "Too many failed logins from this IP address; try again later.";

/** The tenant's brute-force thresholds. */
export interface BruteForceSettings {
  enabled: boolean;
  maxAttempts: number;
  ipMaxFailures: number;
  ipBlockMs: number;
}

/** The thresholds from the tenant settings row, Auth0's defaults where it has none. */
export function bruteForceSettings(tenant: TenantSettingsRow | undefined): BruteForceSettings {
  return {
    enabled: tenant?.bruteForceEnabled ?? true,
    maxAttempts: tenant?.bruteForceMaxAttempts ?? 10,
    ipMaxFailures: tenant?.ipMaxFailures ?? 100,
    ipBlockMs: (tenant?.ipBlockSeconds ?? 900) * 1000,
  };
}

/**
 * Failures that count as a guess: a wrong password, and an unknown login name alike (so a
 * block reveals nothing about which names exist). A blocked user's attempt is not a guess.
 */
const GUESSES: ReadonlySet<LoginFailure> = new Set<LoginFailure>(["wrong_password", "unknown_user"]);

/**
 * Auth0's brute-force protection (Auth0 docs, "Brute-Force Protection"; SECURITY.md), before
 * the password is checked: an IP with too many failures in 24 hours, or a login name + IP
 * pair with too many consecutive failures, gets 429 `too_many_attempts` — even with the
 * right password — until the block ends, an admin lifts it or the password changes; the
 * answer's `Retry-After` is the time until the block ends.
 * @returns whether the pair has failures counted (for {@link recordLoginAttempt})
 * @throws TooManyAttempts
 */
export async function assertNotBlocked(
  deps: Deps,
  settings: BruteForceSettings,
  login: string,
  ip: string,
): Promise<{ pairHasFailures: boolean }> {
  // Protection off: failures are not counted, but a success still clears old ones.
  if (!settings.enabled) return { pairHasFailures: true };
  const now = deps.clock.now();
  const secondsUntil = (end: Date) => (end.getTime() - now.getTime()) / 1000;
  const ipBlockEnd = await ipBlockedUntil(deps.db, ip, now);
  if (ipBlockEnd) {
    throw new TooManyAttempts(IP_BLOCKED, "the IP is blocked", secondsUntil(ipBlockEnd));
  }
  const windowMs = deps.config.bruteForceWindowSeconds * 1000;
  const pair = await currentLoginFailures(deps.db, login, ip, now, windowMs);
  if (pair?.blockedAt) {
    // The pair's block lapses one window after it started (currentLoginFailures).
    const pairBlockEnd = new Date(pair.blockedAt.getTime() + windowMs);
    throw new TooManyAttempts(USER_BLOCKED, "the user+IP pair is blocked", secondsUntil(pairBlockEnd));
  }
  return { pairHasFailures: pair !== undefined };
}

/**
 * After the password check: a success resets the pair's consecutive failures (when it has
 * any: most exchanges write nothing here); a guess
 * ({@link GUESSES}) counts against the pair and the IP, and the one that crosses a threshold
 * starts the block and is logged (`limit_wc`, Auth0's "blocked account"; `limit_mu`,
 * "blocked IP address").
 */
export async function recordLoginAttempt(
  deps: Deps,
  settings: BruteForceSettings,
  attempt: {
    login: string;
    ip: string;
    client: ClientRow;
    failure: LoginFailure | undefined;
    pairHasFailures: boolean;
  },
): Promise<void> {
  const { login, ip, client, failure } = attempt;
  if (failure === undefined) {
    return attempt.pairHasFailures ? clearLoginFailures(deps.db, login, ip) : undefined;
  }
  if (!GUESSES.has(failure) || !settings.enabled) return;
  const now = deps.clock.now();
  const known = { clientId: client.clientId, clientName: client.name };
  const { failures, blockedNow } = await addLoginFailure(deps.db, login, ip, now, settings.maxAttempts);
  if (blockedNow) {
    deps.metrics.bruteForceBlocks.inc({ kind: "user_ip" });
    await deps.events.record({
      type: "limit_wc",
      description: `Blocked ${login} from ${ip} after ${failures} consecutive failed logins`,
      ...known,
      userName: login,
      ip,
      details: { failures },
    });
  }
  if (await addIpFailure(deps.db, ip, now, settings.ipMaxFailures, settings.ipBlockMs)) {
    deps.metrics.bruteForceBlocks.inc({ kind: "ip" });
    await deps.events.record({
      type: "limit_mu",
      description: `Blocked IP ${ip} after ${settings.ipMaxFailures} failed logins in 24 hours`,
      ...known,
      ip,
      details: { block_seconds: settings.ipBlockMs / 1000 },
    });
  }
}
