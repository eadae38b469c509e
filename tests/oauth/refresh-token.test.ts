import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { createHarness, type Harness, testClock } from "../support/harness.ts";
import { deployRule } from "../support/rules.ts";

const clock = testClock();
let h: Harness;
let app: { client_id: string; client_secret: string };
let other: { client_id: string; client_secret: string };
let passwordOnly: { client_id: string; client_secret: string };
let userId: string;

const json = async (response: Response | Promise<Response>) => (await response).json();

beforeAll(async () => {
  h = await createHarness({}, { clock });
  await h.admin("POST", "/resource-servers", {
    identifier: "https://api.example.com",
    scopes: [
      { value: "read:things", description: "" },
      { value: "write:things", description: "" },
    ],
    token_lifetime: 300,
    allow_offline_access: true,
    refresh_token_lifetime: 3600,
    refresh_token_idle_lifetime: 600,
  });
  await h.admin("POST", "/resource-servers", { identifier: "urn:no-offline", allow_offline_access: false });
  app = await json(h.admin("POST", "/clients", { name: "app" }));
  other = await json(h.admin("POST", "/clients", { name: "other" }));
  passwordOnly = await json(
    h.admin("POST", "/clients", { name: "password only", grant_types: ["password"] }),
  );
  const user = await json(
    h.admin("POST", "/users", {
      email: "rita@example.com",
      email_verified: true,
      name: "Rita Refresh",
      password: "rita's password",
    }),
  );
  userId = user.user_id;
  await deployRule(
    h,
    "module.exports = async function (u, c, scope) { return { accessToken: { scope: scope, 'https://t.example/v': 1 }, idToken: { 'https://t.example/id': 'yes' } }; };",
  );
});
afterAll(() => h.close());

const login = (
  client = app,
  scope = "openid profile email offline_access read:things write:things",
  audience = "https://api.example.com",
) =>
  json(
    h.token({
      grant_type: "password",
      username: "rita@example.com",
      password: "rita's password",
      audience,
      scope,
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  );

const refresh = (token: string, client = app, extra: Record<string, string> = {}) =>
  h.token({
    grant_type: "refresh_token",
    refresh_token: token,
    client_id: client.client_id,
    client_secret: client.client_secret,
    ...extra,
  });

const revoke = (token: string, client = app) =>
  h.request("/oauth/revoke", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      token,
      client_id: client.client_id,
      client_secret: client.client_secret,
    }).toString(),
  });

async function expectInvalidGrant(response: Response) {
  expect(response.status).toBe(400);
  expect((await response.json()).error).toBe("invalid_grant");
}

describe("offline_access and the ID token", () => {
  test("a password exchange with offline_access and openid returns a refresh token and a verifiable ID token", async () => {
    const tokens = await login();
    expect(tokens.scope).toBe("openid profile email offline_access read:things write:things");
    expect(tokens.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    const jwks = createLocalJWKSet(await json(h.request("/.well-known/jwks.json")));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, {
      issuer: "http://localhost/",
      audience: app.client_id,
      currentDate: clock.now(),
    });
    expect(protectedHeader.typ).toBe("JWT");
    expect(payload).toMatchObject({
      sub: userId,
      email: "rita@example.com",
      email_verified: true,
      name: "Rita Refresh",
      nickname: "rita",
      "https://t.example/id": "yes",
    });
    expect(payload.auth_time).toBe(Math.floor(clock.now().getTime() / 1000));
    expect(payload.exp! - payload.iat!).toBe(36000);
    expect(typeof payload.updated_at).toBe("number");
  });

  test("only the scopes asked for release claims in the ID token", async () => {
    const tokens = await login(app, "openid read:things");
    const claims = decodeJwt(tokens.id_token);
    expect(claims.email).toBeUndefined();
    expect(claims.name).toBeUndefined();
    expect(tokens.refresh_token).toBeUndefined();
  });

  test("offline_access needs the API's permission and the client's refresh_token grant", async () => {
    const noOffline = await login(app, "offline_access", "urn:no-offline");
    expect(noOffline.refresh_token).toBeUndefined();
    expect(noOffline.scope).toBe("");
    const noGrant = await login(passwordOnly, "offline_access read:things");
    expect(noGrant.refresh_token).toBeUndefined();
    expect(noGrant.scope).toBe("read:things");
  });
});

describe("grant_type=refresh_token", () => {
  test("rotates, keeps the original claims without running the rule again, and detects reuse", async () => {
    const first = await login();
    await deployRule(
      h,
      "module.exports = async function () { throw new Error('the rule must not run on refresh'); };",
    );
    const response = await refresh(first.refresh_token);
    expect(response.status).toBe(200);
    const second = await response.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.scope).toBe(first.scope);
    const claims = decodeJwt(second.access_token);
    expect(claims).toMatchObject({ "https://t.example/v": 1, gty: "refresh_token", sub: userId });
    expect(decodeJwt(second.id_token)).toMatchObject({
      "https://t.example/id": "yes",
      auth_time: decodeJwt(first.id_token).auth_time,
    });

    // The old token is spent; presenting it again revokes the family, new token included.
    await expectInvalidGrant(await refresh(first.refresh_token));
    await expectInvalidGrant(await refresh(second.refresh_token));
    const events = await json(h.admin("GET", "/logs?type=fertft&per_page=2"));
    expect(events[1].details.reason).toBe("refresh token reuse: its family is revoked");
    await deployRule(
      h,
      "module.exports = async function (u, c, scope) { return { accessToken: { scope: scope, 'https://t.example/v': 1 }, idToken: { 'https://t.example/id': 'yes' } }; };",
    );
  });

  test("scope can be narrowed, never widened", async () => {
    const tokens = await login(app, "offline_access read:things");
    const widened = await refresh(tokens.refresh_token, app, { scope: "read:things write:things" });
    expect(widened.status).toBe(400);
    expect((await widened.json()).error).toBe("invalid_scope");
    const narrowed = await json(refresh(tokens.refresh_token, app, { scope: "read:things" }));
    expect(narrowed.scope).toBe("read:things");
    expect(decodeJwt(narrowed.access_token).scope).toBe("read:things");
    // The family keeps its original scope.
    const again = await json(refresh(narrowed.refresh_token));
    expect(again.scope).toBe("offline_access read:things");
  });

  test("another client's refresh token is refused and stays usable for its own client", async () => {
    const tokens = await login();
    await expectInvalidGrant(await refresh(tokens.refresh_token, other));
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });

  test("client authentication is required, and the client needs the refresh_token grant", async () => {
    const tokens = await login();
    const unauthenticated = await h.token({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: app.client_id,
    });
    expect(unauthenticated.status).toBe(401);
    const noGrant = await refresh(tokens.refresh_token, passwordOnly);
    expect(noGrant.status).toBe(400);
    expect((await noGrant.json()).error).toBe("unauthorized_client");
    const missing = await h.token({
      grant_type: "refresh_token",
      client_id: app.client_id,
      client_secret: app.client_secret,
    });
    expect((await missing.json()).error_description).toBe("Missing required parameter: refresh_token");
    await expectInvalidGrant(await refresh("rt_not-a-real-token"));
  });

  test("idle and absolute lifetimes", async () => {
    const idle = await login();
    clock.advance(601);
    await expectInvalidGrant(await refresh(idle.refresh_token));

    let current = (await login()).refresh_token as string;
    for (let elapsed = 0; elapsed < 3500; elapsed += 500) {
      clock.advance(500);
      const response = await refresh(current);
      expect(response.status).toBe(200);
      current = (await response.json()).refresh_token;
    }
    clock.advance(200);
    await expectInvalidGrant(await refresh(current));
  });

  test("a blocked or deleted user, or a deleted client, cannot refresh", async () => {
    const tokens = await login();
    await h.admin("PATCH", `/users/${userId}`, { blocked: true });
    const blocked = await refresh(tokens.refresh_token);
    expect(await blocked.json()).toEqual({ error: "invalid_grant", error_description: "user is blocked" });
    await h.admin("PATCH", `/users/${userId}`, { blocked: false });
    expect((await refresh(tokens.refresh_token)).status).toBe(200);

    const doomed = await json(h.admin("POST", "/clients", { name: "doomed" }));
    const doomedTokens = await login(doomed);
    await h.admin("DELETE", `/clients/${doomed.client_id}`);
    expect((await refresh(doomedTokens.refresh_token, doomed)).status).toBe(401);

    const ghost = await json(
      h.admin("POST", "/users", { email: "ghost@example.com", password: "ghost password" }),
    );
    const ghostTokens = await json(
      h.token({
        grant_type: "password",
        username: "ghost@example.com",
        password: "ghost password",
        audience: "https://api.example.com",
        scope: "offline_access",
        client_id: app.client_id,
        client_secret: app.client_secret,
      }),
    );
    await h.admin("DELETE", `/users/${ghost.user_id}`);
    await expectInvalidGrant(await refresh(ghostTokens.refresh_token));
  });
});

describe("POST /oauth/revoke (RFC 7009)", () => {
  test("revokes the family; unknown tokens are 200; a bad client is 401", async () => {
    const tokens = await login();
    const rotated = await json(refresh(tokens.refresh_token));
    const response = await revoke(tokens.refresh_token);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    await expectInvalidGrant(await refresh(rotated.refresh_token));
    expect((await revoke("rt_unknown")).status).toBe(200);
    expect((await revoke(rotated.access_token)).status).toBe(200);
    const badClient = await revoke(tokens.refresh_token, {
      client_id: app.client_id,
      client_secret: "wrong",
    });
    expect(badClient.status).toBe(401);
    expect((await badClient.json()).error).toBe("invalid_client");
    const noToken = await h.request("/oauth/revoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: app.client_id,
        client_secret: app.client_secret,
        token_type_hint: "refresh_token",
      }),
    });
    expect((await noToken.json()).error).toBe("invalid_request");
    const events = await json(h.admin("GET", "/logs?type=srrt"));
    expect(events.length).toBeGreaterThan(0);
  });

  test("another client cannot revoke a token that is not theirs", async () => {
    const tokens = await login();
    expect((await revoke(tokens.refresh_token, other)).status).toBe(200);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });
});

describe("admin revocation: /api/v2/users/{id}/refresh-tokens", () => {
  const SCOPE = "openid profile email offline_access read:things write:things";
  /** Auth0's shape of a token of `client` created now, for the API above (idle 600 s, absolute 3600 s). */
  const entryAt = (createdAt: Date, client = app, rotating = true) => ({
    id: expect.any(String),
    user_id: userId,
    created_at: createdAt.toISOString(),
    idle_expires_at: new Date(createdAt.getTime() + 600_000).toISOString(),
    expires_at: new Date(createdAt.getTime() + 3_600_000).toISOString(),
    client_id: client.client_id,
    rotating,
    resource_servers: [{ audience: "https://api.example.com", scopes: SCOPE }],
  });

  test("lists live families in Auth0's shape ({tokens}), revokes one and all", async () => {
    await h.admin("DELETE", `/users/${userId}/refresh-tokens`);
    const aCreated = clock.now();
    const a = await login();
    clock.advance(1);
    const bCreated = clock.now();
    const b = await login();
    const list = await json(h.admin("GET", `/users/${userId}/refresh-tokens`));
    expect(list).toEqual({ tokens: [entryAt(aCreated), entryAt(bCreated)] });
    expect(JSON.stringify(list)).not.toContain(a.refresh_token);
    const [first] = list.tokens;
    expect((await h.admin("DELETE", `/users/${userId}/refresh-tokens/${first.id}`)).status).toBe(204);
    await expectInvalidGrant(await refresh(a.refresh_token));
    expect((await refresh(b.refresh_token)).status).toBe(200);
    expect((await h.admin("DELETE", `/users/${userId}/refresh-tokens/${first.id}`)).status).toBe(404);
    expect((await h.admin("DELETE", `/users/${userId}/refresh-tokens`)).status).toBe(204);
    expect(await json(h.admin("GET", `/users/${userId}/refresh-tokens`))).toEqual({ tokens: [] });
    expect((await h.admin("GET", "/users/usr_missing/refresh-tokens")).status).toBe(404);
  });

  test("last_exchanged_at once a token is exchanged; rotating false for a non-rotating client", async () => {
    await h.admin("DELETE", `/users/${userId}/refresh-tokens`);
    const keeper = await json(
      h.admin("POST", "/clients", { name: "keeper", refresh_token: { rotation_type: "non-rotating" } }),
    );
    const created = clock.now();
    const issued = await login(keeper);
    clock.advance(5);
    const exchangedAt = clock.now();
    expect((await refresh(issued.refresh_token, keeper)).status).toBe(200);
    const { tokens } = await json(h.admin("GET", `/users/${userId}/refresh-tokens`));
    expect(tokens).toEqual([
      {
        ...entryAt(created, keeper, false),
        // A non-rotating token's idle expiry moves with each exchange.
        idle_expires_at: new Date(exchangedAt.getTime() + 600_000).toISOString(),
        last_exchanged_at: exchangedAt.toISOString(),
      },
    ]);
    await h.admin("DELETE", `/users/${userId}/refresh-tokens`);
  });

  test("checkpoint paging: take, then from = the previous next, until no next", async () => {
    await h.admin("DELETE", `/users/${userId}/refresh-tokens`);
    const created = [clock.now()];
    await login();
    clock.advance(1);
    created.push(clock.now());
    await login();
    const base = `/users/${userId}/refresh-tokens`;
    const page1 = await json(h.admin("GET", `${base}?take=1`));
    expect(page1).toEqual({ tokens: [entryAt(created[0]!)], next: page1.tokens[0].id });
    const page2 = await json(h.admin("GET", `${base}?take=1&from=${page1.next}`));
    expect(page2).toEqual({ tokens: [entryAt(created[1]!)], next: page2.tokens[0].id });
    expect(await json(h.admin("GET", `${base}?take=1&from=${page2.next}`))).toEqual({ tokens: [] });
    expect(await json(h.admin("GET", `${base}?take=2`))).toEqual({
      tokens: [entryAt(created[0]!), entryAt(created[1]!)],
      next: page2.tokens[0].id,
    });
    // Auth0's SDK v7 asks with include_totals=true: the answer is the same.
    expect(await json(h.admin("GET", `${base}?include_totals=true&take=50`))).toEqual({
      tokens: [entryAt(created[0]!), entryAt(created[1]!)],
    });
    expect((await h.admin("GET", `${base}?take=0`)).status).toBe(400);
    await h.admin("DELETE", base);
  });
});

describe("property: a family never has two live tokens", () => {
  test("no sequence of refresh, reuse, concurrent refresh and revoke leaves two tokens that work", async () => {
    const operation = fc.constantFrom(
      "refresh",
      "reuse-old",
      "double-refresh",
      "revoke-current",
      "revoke-old",
      "narrow",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        async (operations, pick) => {
          const issued: string[] = [(await login(app, "offline_access read:things")).refresh_token];
          let current = issued[0]!;
          const old = () => issued[pick % issued.length]!;
          for (const op of operations) {
            if (op === "refresh" || op === "narrow") {
              const response = await refresh(current, app, op === "narrow" ? { scope: "read:things" } : {});
              if (response.status === 200) {
                current = (await response.json()).refresh_token;
                issued.push(current);
              }
            } else if (op === "reuse-old") {
              await refresh(old());
            } else if (op === "double-refresh") {
              const answers = await Promise.all([refresh(current), refresh(current)]);
              const ok = answers.filter((response) => response.status === 200);
              expect(ok.length).toBeLessThanOrEqual(1);
              for (const response of ok) {
                current = (await response.json()).refresh_token;
                issued.push(current);
              }
            } else {
              await revoke(op === "revoke-current" ? current : old());
            }
          }
          // Every token ever issued, tried once: at most one may work.
          let working = 0;
          for (const token of issued) if ((await refresh(token)).status === 200) working++;
          expect(working).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 40, seed: 20261125 },
    );
  });
});
