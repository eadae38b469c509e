import { isDatabaseUnavailable } from "../db/errors.ts";
import {
  addIpFailure,
  addLoginFailure,
  clearLoginFailures,
  findLoginFailures,
  ipBlockedUntil,
  RESERVATION_TTL_MS,
  type Reservation,
  releaseIpAttempt,
  releasePairAttempt,
  reserveIpAttempt,
  reservePairAttempt,
} from "../db/login-failures.ts";
import { retryTransient } from "../db/retry-transient.ts";
import type { ClientRow, TenantSettingsRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { timeStep } from "../metrics/time-step.ts";
import type { LoginAttempt, LoginFailure } from "./authenticate-user.ts";
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

/** Retries of a reservation given back while the database is away: within its lapse. */
const GIVE_BACK_RETRY_DELAYS_MS = [100, 250, 500, 1000, 2000, 4000, 8000] as const;

/** Retry-After when the limit is taken by checks still in progress: they end within moments. */
const IN_PROGRESS_RETRY_SECONDS = 1;

/** The login name + IP pair a password check is for, and the client asking. */
export interface LoginSubject {
  login: string;
  ip: string;
  client: ClientRow;
}

/**
 * Auth0's brute-force protection (Auth0 docs, "Brute-Force Protection"; SECURITY.md) around
 * the password check `check`: an IP with too many failures in 24 hours, or a login name + IP
 * pair with too many consecutive failures, gets 429 `too_many_attempts` — even with the
 * right password — until the block ends, an admin lifts it or the password changes; the
 * answer's `Retry-After` is the time until the block ends. Each check is reserved against
 * both limits before the hash (one statement each), and a check in progress counts like a
 * failure, so a parallel burst, on one node or many, gets no more checks than the limits
 * (a check over a limit that only checks in progress fill waits for them to end); a guess
 * keeps its reservation as a failure, anything else gives it back.
 * @returns the check's verdict
 * @throws TooManyAttempts when the check may not run; whatever `check` throws
 */
export async function withBruteForceProtection(
  deps: Deps,
  settings: BruteForceSettings,
  subject: LoginSubject,
  check: () => Promise<LoginAttempt>,
): Promise<LoginAttempt> {
  const database = <T>(work: () => Promise<T>) => timeStep(deps.metrics, "database", work);
  // Protection off: nothing is reserved or counted, but a success still clears old failures.
  if (!settings.enabled) {
    const attempt = await check();
    if (!attempt.failure) await database(() => clearLoginFailures(deps.db, subject.login, subject.ip));
    return attempt;
  }
  const held = await reserveLoginAttempt(deps, settings, subject);
  let attempt: LoginAttempt;
  try {
    attempt = await check();
  } catch (error) {
    // Not a guess: the reservation goes back, and the check's error stands. A reservation
    // that cannot go back (the database is down) lapses with the pair's window and the
    // IP's day, like any counter.
    await database(() => releaseLoginAttempt(deps, subject, held, false));
    checkEnded(deps, subject);
    throw error;
  }
  try {
    await database(() => recordLoginAttempt(deps, settings, subject, held, attempt.failure));
  } finally {
    checkEnded(deps, subject);
  }
  return attempt;
}

/**
 * How long a check may wait while the limit is taken only by checks in progress (nothing is
 * blocked yet): as they end, a success frees its place and a failure keeps it, so many right
 * passwords at once (a service logging in in parallel) are all checked, a few at a time and
 * in the order they came, while a burst of guesses is refused once its first guesses have
 * failed. Then 429.
 */
const IN_PROGRESS_WAIT_MS = 5000;

/** How often the first waiting check looks again, for checks that end on other nodes. */
const IN_PROGRESS_POLL_MS = 100;

/** The waiting lines a check of `subject` may queue in: its pair's, and its IP's. */
const lineKeys = ({ login, ip }: LoginSubject) => ({ pair: `pair ${login}\u0000${ip}`, ip: `ip ${ip}` });

/**
 * Reserves one password check against the IP's limit and the pair's, waiting in line on this
 * node (src/oauth/waiting-lines.ts) while only checks in progress fill them: first come,
 * first served, given a turn as soon as a check of the same pair or IP ends here.
 * @throws TooManyAttempts when the IP or the pair is blocked, or the wait is over
 */
async function reserveLoginAttempt(
  deps: Deps,
  settings: BruteForceSettings,
  subject: LoginSubject,
): Promise<Reservations> {
  const tryOnce = () =>
    timeStep(deps.metrics, "database", () => tryReserveLoginAttempt(deps, settings, subject));
  const lines = deps.waitingLines;
  const keys = lineKeys(subject);
  const giveUpAt = performance.now() + IN_PROGRESS_WAIT_MS;
  // The line this check holds a turn of, if any, and whether the poll gave it.
  let held: { key: string; polled: boolean } | undefined;
  const waitIn = async (key: string) => {
    const front = held?.key === key;
    if (held && !front) lines.leave(held.key, false);
    const turn = await lines.wait(key, {
      pollMs: IN_PROGRESS_POLL_MS,
      giveUpMs: giveUpAt - performance.now(),
      front,
    });
    held = turn && { key, polled: turn.polled };
    return turn !== undefined;
  };
  // A newcomer does not overtake the checks already waiting for the same limit.
  const queued = lines.waiting(keys.pair) ? keys.pair : lines.waiting(keys.ip) ? keys.ip : undefined;
  let refused: Refusal | undefined;
  let reserved: Reservations | undefined;
  const look = async () => {
    const answer = await tryOnce();
    refused = "refused" in answer ? answer.refused : undefined;
    reserved = "refused" in answer ? undefined : answer;
  };
  if (queued && !(await waitIn(queued))) {
    refused = {
      blocked: false,
      limit: queued === keys.ip ? "ip" : "pair",
      error:
        queued === keys.ip
          ? inProgressRefusal(IP_BLOCKED, "the IP's checks in progress fill its limit")
          : inProgressRefusal(USER_BLOCKED, "the pair's checks in progress fill its limit"),
    };
  } else {
    try {
      await look();
      while (refused && !refused.blocked && (await waitIn(refused.limit === "ip" ? keys.ip : keys.pair))) {
        await look();
      }
    } finally {
      // A block refuses everyone in line: the next one looks at once, and is refused too; a
      // place the poll found may not be the only one freed: the next one looks too.
      if (held) lines.leave(held.key, refused?.blocked === true || (!refused && held.polled));
    }
  }
  if (refused || !reserved) throw refused?.error;
  return reserved;
}

/** A check of the subject's pair and IP ended on this node: the first waiting for either looks again. */
function checkEnded(deps: Deps, subject: LoginSubject): void {
  const keys = lineKeys(subject);
  deps.waitingLines.ended(keys.pair);
  deps.waitingLines.ended(keys.ip);
}

/**
 * Why a reservation was refused: the answer, whether a block (not checks in progress)
 * refused it, and which limit did.
 */
interface Refusal {
  error: TooManyAttempts;
  blocked: boolean;
  limit: "ip" | "pair";
}

/** A check's reservations against the IP's limit and the pair's. */
interface Reservations {
  ip: Reservation;
  pair: Reservation;
}

/**
 * One try at reserving the check against both limits at once.
 * @returns the reservations; else the refusal (the other limit's reservation given back)
 */
async function tryReserveLoginAttempt(
  deps: Deps,
  settings: BruteForceSettings,
  subject: LoginSubject,
): Promise<Reservations | { refused: Refusal }> {
  const { login, ip } = subject;
  const now = deps.clock.now();
  const windowMs = deps.config.bruteForceWindowSeconds * 1000;
  const [ipGranted, pairGranted] = await Promise.allSettled([
    reserveIpAttempt(deps.db, ip, now, settings.ipMaxFailures),
    reservePairAttempt(deps.db, { login, ip, now, windowMs, maxAttempts: settings.maxAttempts }),
  ]);
  const ipReserved = ipGranted.status === "fulfilled" ? ipGranted.value : undefined;
  const pairReserved = pairGranted.status === "fulfilled" ? pairGranted.value : undefined;
  if (ipReserved && pairReserved) return { ip: ipReserved, pair: pairReserved };
  await Promise.all([
    ipReserved ? giveBack(deps, () => releaseIpAttempt(deps.db, ip, ipReserved)) : undefined,
    pairReserved
      ? giveBack(deps, () => releasePairAttempt(deps.db, login, ip, false, pairReserved))
      : undefined,
  ]);
  // The place given back may be what a check waiting in line on this node needs.
  const keys = lineKeys(subject);
  if (ipReserved) deps.waitingLines.ended(keys.ip);
  if (pairReserved) deps.waitingLines.ended(keys.pair);
  if (ipGranted.status === "rejected") throw ipGranted.reason;
  if (pairGranted.status === "rejected") throw pairGranted.reason;
  return { refused: await refusal(deps, ipReserved !== undefined, subject, now, windowMs) };
}

/** The 429 for a refused reservation: the IP's block first, as Auth0 checks it first. */
async function refusal(
  deps: Deps,
  ipReserved: boolean,
  { login, ip }: LoginSubject,
  now: Date,
  windowMs: number,
): Promise<Refusal> {
  const secondsUntil = (end: Date) => (end.getTime() - now.getTime()) / 1000;
  if (!ipReserved) {
    const ipBlockEnd = await ipBlockedUntil(deps.db, ip, now);
    return ipBlockEnd
      ? {
          blocked: true,
          limit: "ip",
          error: new TooManyAttempts(IP_BLOCKED, "the IP is blocked", secondsUntil(ipBlockEnd)),
        }
      : {
          blocked: false,
          limit: "ip",
          error: inProgressRefusal(IP_BLOCKED, "the IP's checks in progress fill its limit"),
        };
  }
  const pair = await findLoginFailures(deps.db, login, ip);
  if (!pair?.blockedAt) {
    return {
      blocked: false,
      limit: "pair",
      error: inProgressRefusal(USER_BLOCKED, "the pair's checks in progress fill its limit"),
    };
  }
  // The pair's block lapses one window after it started (reservePairAttempt).
  const blockEnd = new Date(pair.blockedAt.getTime() + windowMs);
  return {
    blocked: true,
    limit: "pair",
    error: new TooManyAttempts(USER_BLOCKED, "the user+IP pair is blocked", secondsUntil(blockEnd)),
  };
}

const inProgressRefusal = (description: string, detail: string) =>
  new TooManyAttempts(description, detail, IN_PROGRESS_RETRY_SECONDS);

/** Gives a reservation back to the pair and the IP; `reset` (a success) also resets the pair's consecutive failures. */
async function releaseLoginAttempt(
  deps: Deps,
  { login, ip }: LoginSubject,
  held: Reservations,
  reset: boolean,
): Promise<void> {
  await Promise.all([
    giveBack(deps, () => releasePairAttempt(deps.db, login, ip, reset, held.pair)),
    giveBack(deps, () => releaseIpAttempt(deps.db, ip, held.ip)),
  ]);
}

/**
 * Gives a reservation back without failing the request that held it: the answer (a token, the
 * check's own error) stands whatever happens here. While the database cannot take it (a lost
 * connection, a restart), it is tried again in the background with back-off; one that never
 * lands lapses with the reservation ({@link RESERVATION_TTL_MS}), so a database fault never
 * leaves the pair or the IP short of attempts for long.
 */
async function giveBack(deps: Deps, release: () => Promise<void>): Promise<void> {
  try {
    await release();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) {
      deps.log.error({ event: "login_reservation_kept", err: error }, "could not give a reservation back");
      return;
    }
    void retryTransient(release, { delaysMs: GIVE_BACK_RETRY_DELAYS_MS }).catch((lastError) =>
      deps.log.warn(
        { event: "login_reservation_kept", err: lastError },
        "could not give a reservation back; it lapses by itself",
      ),
    );
  }
}

/**
 * After the password check, settles its reservation: a success gives it back and resets the
 * pair's consecutive failures; a guess ({@link GUESSES}) keeps it as a failure of the pair and
 * of the IP, and the one that crosses a threshold starts the block and is logged (`limit_wc`,
 * Auth0's "blocked account"; `limit_mu`, "blocked IP address"); anything else (a blocked user)
 * gives it back and leaves the failures as they are.
 */
async function recordLoginAttempt(
  deps: Deps,
  settings: BruteForceSettings,
  subject: LoginSubject,
  held: Reservations,
  failure: LoginFailure | undefined,
): Promise<void> {
  if (failure === undefined || !GUESSES.has(failure)) {
    return await releaseLoginAttempt(deps, subject, held, failure === undefined);
  }
  const { login, ip, client } = subject;
  const now = deps.clock.now();
  const known = { clientId: client.clientId, clientName: client.name };
  const [pair, ipBlockedNow] = await Promise.all([
    addLoginFailure(deps.db, login, ip, now, settings.maxAttempts),
    addIpFailure(deps.db, ip, now, settings.ipMaxFailures, settings.ipBlockMs),
  ]);
  if (pair.blockedNow) {
    deps.metrics.bruteForceBlocks.inc({ kind: "user_ip" });
    await deps.events.record({
      type: "limit_wc",
      description: `Blocked ${login} from ${ip} after ${pair.failures} consecutive failed logins`,
      ...known,
      userName: login,
      ip,
      details: { failures: pair.failures },
    });
  }
  if (ipBlockedNow) {
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
