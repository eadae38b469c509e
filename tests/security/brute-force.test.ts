import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import {
  findLoginFailures,
  RESERVATION_TTL_MS,
  releaseIpAttempt,
  releasePairAttempt,
  reserveIpAttempt,
  reservePairAttempt,
} from "../../src/db/login-failures.ts";
import { createHarness, type Harness, testClock } from "../support/harness.ts";

const clock = testClock();
let h: Harness;
let client: { client_id: string; client_secret: string };
let userId: string;

const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness({ BRUTE_FORCE_WINDOW: "3600" }, { clock });
  await h.admin("POST", "/resource-servers", { identifier: "urn:api" });
  client = await json(h.admin("POST", "/clients", { name: "app" }));
  userId = (await json(h.admin("POST", "/users", { email: "bruno@example.com", password: "right password" })))
    .user_id;
});
afterAll(() => h.close());

const attempt = (password: string, ip: string, username = "bruno@example.com") =>
  h.token(
    {
      grant_type: "password",
      username,
      password,
      audience: "urn:api",
      client_id: client.client_id,
      client_secret: client.client_secret,
    },
    { remoteAddress: ip },
  );

async function fail(times: number, ip: string, username?: string) {
  for (let i = 0; i < times; i++) expect((await attempt("wrong password", ip, username)).status).toBe(400);
}

async function expectBlocked(response: Response, description: string) {
  expect(response.status).toBe(429);
  expect(await response.json()).toEqual({ error: "too_many_attempts", error_description: description });
  expect(response.headers.get("cache-control")).toBe("no-store");
}

const USER_BLOCKED = "Your account has been blocked after multiple consecutive login attempts.";

describe("user + IP", () => {
  test("10 consecutive failures block the pair, even for the right password, with a limit_wc event", async () => {
    await fail(10, "198.51.100.1");
    await expectBlocked(await attempt("right password", "198.51.100.1"), USER_BLOCKED);
    // Another IP is not blocked, for the same user.
    expect((await attempt("right password", "198.51.100.2")).status).toBe(200);
    const [event] = await json(h.admin("GET", "/logs?type=limit_wc"));
    expect(event).toMatchObject({
      ip: "198.51.100.1",
      user_name: "bruno@example.com",
      details: { failures: 10 },
    });
    const blocks = await json(h.admin("GET", `/user-blocks/${userId}`));
    expect(blocks.blocked_for).toEqual([
      { identifier: "bruno@example.com", ip: "198.51.100.1", blocked_at: expect.any(String) },
    ]);
  });

  test("a success resets the count: failures must be consecutive", async () => {
    await fail(9, "198.51.100.3");
    expect((await attempt("right password", "198.51.100.3")).status).toBe(200);
    await fail(9, "198.51.100.3");
    expect((await attempt("right password", "198.51.100.3")).status).toBe(200);
  });

  test("DELETE /api/v2/user-blocks/{user_id} lifts the block", async () => {
    await fail(10, "198.51.100.4");
    await expectBlocked(await attempt("right password", "198.51.100.4"), USER_BLOCKED);
    expect((await h.admin("DELETE", `/user-blocks/${userId}`)).status).toBe(204);
    expect((await attempt("right password", "198.51.100.4")).status).toBe(200);
    expect((await json(h.admin("GET", `/user-blocks/${userId}`))).blocked_for).toEqual([]);
    expect((await h.admin("GET", "/user-blocks/usr_missing")).status).toBe(404);
  });

  test("a password change lifts the block", async () => {
    await fail(10, "198.51.100.5");
    await h.admin("PATCH", `/users/${userId}`, { password: "new right password" });
    expect((await attempt("new right password", "198.51.100.5")).status).toBe(200);
    await h.admin("PATCH", `/users/${userId}`, { password: "right password" });
  });

  test("the block ends after BRUTE_FORCE_WINDOW", async () => {
    await fail(10, "198.51.100.6");
    await expectBlocked(await attempt("right password", "198.51.100.6"), USER_BLOCKED);
    clock.advance(3601);
    expect((await attempt("right password", "198.51.100.6")).status).toBe(200);
  });

  test("unknown login names count the same way, so a 429 reveals nothing", async () => {
    await fail(10, "198.51.100.7", "nobody@example.com");
    await expectBlocked(await attempt("anything", "198.51.100.7", "nobody@example.com"), USER_BLOCKED);
  });

  test("the thresholds come from tenant settings, and protection can be turned off", async () => {
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 3 } });
    await fail(3, "198.51.100.8");
    await expectBlocked(await attempt("right password", "198.51.100.8"), USER_BLOCKED);
    await h.admin("PATCH", "/tenants/settings", {
      brute_force_protection: { enabled: false, max_attempts: 10 },
    });
    expect((await attempt("right password", "198.51.100.8")).status).toBe(200);
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { enabled: true } });
  });
});

test("max_attempts lowered below a pair's failures: the right password still logs in, the next failure blocks", async () => {
  const ip = "198.51.100.25";
  const maxAttempts = (max_attempts: number) =>
    h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts } });
  try {
    await fail(4, ip);
    await maxAttempts(3);
    expect((await attempt("right password", ip)).status).toBe(200);
    await maxAttempts(10);
    await fail(4, ip);
    await maxAttempts(3);
    await fail(1, ip);
    await expectBlocked(await attempt("right password", ip), USER_BLOCKED);
  } finally {
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } });
    await h.admin("DELETE", `/user-blocks/${userId}`);
  }
});

describe("IP", () => {
  test("100 failures from one IP in 24 h block it for 15 minutes (any user), with a limit_mu event", async () => {
    const ip = "203.0.113.50";
    for (let i = 0; i < 100; i++) {
      // Different login names, so no user+IP block gets in the way.
      expect((await attempt("wrong", ip, `spray${i}@example.com`)).status).toBe(400);
    }
    await expectBlocked(
      await attempt("right password", ip),
      "Too many failed logins from this IP address; try again later.",
    );
    expect((await json(h.admin("GET", "/logs?type=limit_mu")))[0]).toMatchObject({ ip });
    clock.advance(15 * 60 + 1);
    expect((await attempt("right password", ip)).status).toBe(200);
  });
});

/** How many passwords the server has verified so far (the `password` step of the token exchange). */
async function passwordChecks(): Promise<number> {
  const text = await (await h.request("/metrics")).text();
  const count = text.match(/^rulegate_token_step_duration_seconds_count\{step="password"\} (\d+)$/m);
  return Number(count?.[1] ?? 0);
}

/** Sends every attempt at once; the answers' statuses counted, and how many passwords were verified. */
async function burst(attempts: Array<() => Promise<Response>>) {
  const checksBefore = await passwordChecks();
  const answers = await Promise.all(attempts.map((send) => send()));
  const statuses = answers.map((answer) => answer.status);
  return {
    answers,
    evaluated: statuses.filter((status) => status === 400).length,
    refused: statuses.filter((status) => status === 429).length,
    passwordChecks: (await passwordChecks()) - checksBefore,
  };
}

describe("parallel bursts", () => {
  test("3× max_attempts wrong passwords at once for one user+IP: max_attempts are checked, the rest are 429, one limit_wc", async () => {
    const ip = "198.51.100.20";
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 5 } });
    try {
      const result = await burst(Array.from({ length: 15 }, () => () => attempt("wrong password", ip)));
      expect(result).toMatchObject({ evaluated: 5, refused: 10, passwordChecks: 5 });
      for (const answer of result.answers.filter((response) => response.status === 429)) {
        await expectBlocked(answer, USER_BLOCKED);
      }
      await expectBlocked(await attempt("right password", ip), USER_BLOCKED);
      const events = await json(h.admin("GET", "/logs?type=limit_wc"));
      expect(events.filter((event: { ip: string }) => event.ip === ip)).toHaveLength(1);
    } finally {
      await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } });
      await h.admin("DELETE", `/user-blocks/${userId}`);
    }
  });

  test("the right password sent with fewer than max_attempts wrong ones at once logs in, and blocks nothing", async () => {
    const ip = "198.51.100.21";
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 5 } });
    try {
      const result = await burst([
        ...Array.from({ length: 4 }, () => () => attempt("wrong password", ip)),
        () => attempt("right password", ip),
      ]);
      expect(result.answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 200]);
      expect((await attempt("right password", ip)).status).toBe(200);
    } finally {
      await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } });
    }
  });

  test("3× max_attempts right passwords at once for one user+IP all log in (checked a few at a time)", async () => {
    const ip = "198.51.100.24";
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 5 } });
    try {
      const result = await burst(Array.from({ length: 15 }, () => () => attempt("right password", ip)));
      expect(result.answers.map((answer) => answer.status)).toEqual(Array(15).fill(200));
      expect(result.passwordChecks).toBe(15);
    } finally {
      await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } });
    }
  });

  test("right passwords over the limit are checked in the order they came: none is overtaken by a later one", async () => {
    const ip = "198.51.100.25";
    const { hasher } = h.deps;
    // A slow check, so that every later attempt arrives while the first is still in progress.
    const slow = {
      ...hasher,
      verify: async (phc: string, password: string) => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        return hasher.verify(phc, password);
      },
    };
    Object.assign(h.deps, { hasher: slow });
    // One check at a time for the pair: each attempt waits for all the ones before it.
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 1 } });
    try {
      const answered: number[] = [];
      const attempts: Promise<number>[] = [];
      for (let n = 0; n < 8; n++) {
        attempts.push(
          attempt("right password", ip).then((response) => {
            answered.push(n);
            return response.status;
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await Promise.all(attempts)).toEqual(Array(8).fill(200));
      expect(answered).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      Object.assign(h.deps, { hasher });
      await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } });
    }
  });

  test("3× the IP limit of wrong passwords at once over as many login names from one IP: the limit are checked", async () => {
    const ip = "203.0.113.60";
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { ip_max_failures: 5 } });
    try {
      const result = await burst(
        Array.from({ length: 15 }, (_, i) => () => attempt("wrong", ip, `burst${i}@example.com`)),
      );
      expect(result).toMatchObject({ evaluated: 5, refused: 10, passwordChecks: 5 });
      for (const answer of result.answers.filter((response) => response.status === 429)) {
        await expectBlocked(answer, "Too many failed logins from this IP address; try again later.");
      }
      const events = await json(h.admin("GET", "/logs?type=limit_mu"));
      expect(events.filter((event: { ip: string }) => event.ip === ip)).toHaveLength(1);
    } finally {
      await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { ip_max_failures: 100 } });
    }
  });

  test("a blocked user's answers give their reservations back: they never add up to a 429", async () => {
    const ip = "198.51.100.22";
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 3 } });
    await h.admin("PATCH", `/users/${userId}`, { blocked: true });
    try {
      for (let i = 0; i < 6; i++) {
        const refused = await attempt("right password", ip);
        expect(refused.status).toBe(400);
        expect((await refused.json()).error_description).toBe("user is blocked");
      }
      await h.admin("PATCH", `/users/${userId}`, { blocked: false });
      expect((await attempt("right password", ip)).status).toBe(200);
    } finally {
      await h.admin("PATCH", `/users/${userId}`, { blocked: false });
      await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } });
    }
  });
});

test("an exchange that fails after the password (the rule refuses) gives its reservation back: more of them than max_attempts never add up to a 429", async () => {
  const ip = "198.51.100.23";
  await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 3 } });
  await h.admin("PUT", "/rules/password-exchange", {
    script:
      "module.exports = function (user, client, scope, audience, context, cb) { cb(new Error('down')); };",
  });
  try {
    for (let i = 0; i < 5; i++) expect((await attempt("right password", ip)).status).toBe(403);
    await h.admin("DELETE", "/rules/password-exchange");
    expect((await attempt("right password", ip)).status).toBe(200);
  } finally {
    await h.admin("DELETE", "/rules/password-exchange");
    await h.admin("PATCH", "/tenants/settings", { brute_force_protection: { max_attempts: 10 } });
  }
});

test("reservations never given back (a node killed mid-check, a database lost while releasing) lapse: the pair and the IP get their attempts back", async () => {
  const ip = "198.51.100.25";
  const now = () => clock.now();
  await h.admin("PATCH", "/tenants/settings", {
    brute_force_protection: { max_attempts: 3, ip_max_failures: 3 },
  });
  try {
    // Three checks of the pair and three of the IP that reserved and then vanished.
    const pair = { login: "bruno@example.com", ip, now: now(), windowMs: 3_600_000, maxAttempts: 3 };
    for (let i = 0; i < 3; i++) expect(await reservePairAttempt(h.deps.db, pair)).toBeDefined();
    await expectBlocked(await attempt("right password", ip), USER_BLOCKED);
    clock.advance(RESERVATION_TTL_MS / 1000 + 1);
    expect((await attempt("right password", ip)).status).toBe(200);

    const otherIp = "198.51.100.26";
    for (let i = 0; i < 3; i++) expect(await reserveIpAttempt(h.deps.db, otherIp, now(), 3)).toBeDefined();
    clock.advance(RESERVATION_TTL_MS / 1000 + 1);
    expect((await attempt("right password", otherIp)).status).toBe(200);
  } finally {
    await h.admin("PATCH", "/tenants/settings", {
      brute_force_protection: { max_attempts: 10, ip_max_failures: 100 },
    });
  }
});

test("reservations made while others were in progress are given back by an update, and the last one removes the counters", async () => {
  const now = clock.now();
  const pair = { login: "crowd@example.com", ip: "198.51.100.77", now, windowMs: 3_600_000, maxAttempts: 10 };
  const pairs = [];
  const ips = [];
  for (let i = 0; i < 3; i++) {
    pairs.push((await reservePairAttempt(h.deps.db, pair))!);
    ips.push((await reserveIpAttempt(h.deps.db, pair.ip, now, 100))!);
  }
  expect(pairs.map((reservation) => reservation.crowded)).toEqual([false, true, true]);
  expect(ips.map((reservation) => reservation.crowded)).toEqual([false, true, true]);
  const kept = async () => ({
    pair: (await findLoginFailures(h.deps.db, pair.login, pair.ip))?.pending,
    ip: (await ipFailureRow(pair.ip))?.pending,
  });
  expect(await kept()).toEqual({ pair: 3, ip: 3 });
  for (let i = 0; i < 3; i++) {
    await releasePairAttempt(h.deps.db, pair.login, pair.ip, true, pairs[i]);
    await releaseIpAttempt(h.deps.db, pair.ip, ips[i]);
  }
  expect(await kept()).toEqual({ pair: undefined, ip: undefined });
});

async function ipFailureRow(ip: string) {
  const { ipFailures } = h.deps.db.tables;
  const [row] = await h.deps.db.orm.select().from(ipFailures).where(eq(ipFailures.ip, ip));
  return row;
}
