import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { GarbageResult, normalizeOutcome, REGISTERED_CLAIMS } from "../../src/rules/normalize-outcome.ts";
import { ADMIN_KEY, aliceExchange, createHarness, type Harness, seedTenant } from "../support/harness.ts";

/**
 * Property-based fuzzing (fast-check) of everything that takes outside input. Sized to
 * finish well inside two minutes; FUZZ_SEED replays a run, FUZZ_SCALE multiplies it.
 * On a failure fast-check prints the seed and the shrunk counterexample.
 */
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (count: number) => ({ numRuns: Math.round(count * scale), seed });

let h: Harness;
let seed_: Awaited<ReturnType<typeof seedTenant>>;
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays this run)`);
  h = await createHarness();
  seed_ = await seedTenant(h);
});
afterAll(() => h.close());

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "__proto__",
    "constructor",
    "prototype",
    "\u0000",
    "a\u0000b",
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "%00%0d%0a",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: template-injection probe, deliberately not a template
    "{{7*7}}${7*7}",
    "../../etc/passwd",
    "\uFEFF\u202E",
    "password",
    "refresh_token",
    "Bearer x",
  ),
  fc.string({ minLength: 500, maxLength: 3000 }),
  fc.constant("x".repeat(70_000)),
);
const paramName = fc.oneof(
  fc.constantFrom(
    "grant_type",
    "username",
    "password",
    "client_id",
    "client_secret",
    "audience",
    "scope",
    "refresh_token",
    "token",
    "token_type_hint",
    "__proto__",
    "constructor",
    "prototype",
  ),
  fc.string({ maxLength: 20 }),
);
const paramValue = fc.oneof(
  { weight: 6, arbitrary: hostile },
  fc.constantFrom("password", "refresh_token", "client_credentials"),
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
const params = fc.array(fc.tuple(paramName, paramValue), { maxLength: 8 });
const contentType = fc.constantFrom(
  "application/json",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=utf-8",
  "application/json; charset=utf-16",
  "text/plain",
  "multipart/form-data; boundary=x",
  "",
);
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.string().map((text) => `Basic ${btoa(unescape(encodeURIComponent(text)))}`),
  fc.constantFrom("Basic", "Basic !!!", "Bearer", "Bearer x.y.z"),
  hostile.map((text) => text.replace(/[^\x20-\x7e]/g, "")),
);
const encoding = fc.constantFrom("json", "form", "raw");

function encode(pairs: Array<[string, unknown]>, how: string, raw: string): string {
  if (how === "raw") return raw;
  if (how === "json") {
    // Built as text so that keys like __proto__ arrive as own properties, as an attacker sends them.
    return `{${pairs.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value) ?? "null"}`).join(",")}}`;
  }
  const text = (value: unknown) =>
    value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
  return pairs
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(text(value))}`)
    .join("&");
}

const request = fc.record({ pairs: params, how: encoding, raw: hostile, type: contentType, authorization });

async function expectOAuthAnswer(response: Response) {
  expect(response.status).toBeLessThan(500);
  expect(response.headers.get("cache-control")).toBe("no-store");
  if (response.status === 200) return;
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = await response.json();
  expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
  expect(typeof body.error).toBe("string");
  expect(typeof body.error_description).toBe("string");
}

function send(
  path: string,
  input: { pairs: Array<[string, unknown]>; how: string; raw: string; type: string; authorization?: string },
) {
  const headers: Record<string, string> = {};
  if (input.type) headers["content-type"] = input.type;
  if (input.authorization) headers.authorization = input.authorization;
  return h.request(path, { method: "POST", headers, body: encode(input.pairs, input.how, input.raw) });
}

describe("fuzzing the OAuth endpoints", () => {
  test("/oauth/token: never a 5xx, always an RFC 6749 error body", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => expectOAuthAnswer(await send("/oauth/token", input))),
      runs(5000),
    );
  });

  test("/oauth/token with a real client: hostile grant parameters still get RFC errors", async () => {
    const client = { client_id: seed_.postClient.client_id, client_secret: seed_.postClient.client_secret };
    await fc.assert(
      fc.asyncProperty(
        params,
        fc.constantFrom("password", "refresh_token"),
        encoding,
        async (pairs, grant, how) => {
          const all: Array<[string, unknown]> = [["grant_type", grant], ...pairs, ...Object.entries(client)];
          const type = how === "json" ? "application/json" : "application/x-www-form-urlencoded";
          await expectOAuthAnswer(
            await send("/oauth/token", { pairs: all, how: how === "raw" ? "json" : how, raw: "", type }),
          );
        },
      ),
      runs(2000),
    );
  });

  test("/oauth/revoke: never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const response = await send("/oauth/revoke", input);
        expect(response.status).toBeLessThan(500);
        if (response.status !== 200) await expectOAuthAnswer(response);
      }),
      runs(2000),
    );
  });
});

describe("fuzzing the management API", () => {
  const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(paramName, paramValue, { maxKeys: 6 }));
  const bodies = fc.record({
    path: fc.constantFrom(
      "/users",
      "/clients",
      "/resource-servers",
      "/rules/password-exchange/secrets",
      "/rules/password-exchange/try",
      "/tenants/settings",
      `/users/${"usr_x"}`,
    ),
    method: fc.constantFrom("POST", "PATCH", "PUT"),
    body: json,
  });

  test("never a 5xx; errors in Auth0's shape; no prototype pollution", async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async ({ path, method, body }) => {
        const response = await h.request(`/api/v2${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        expect(response.status).toBeLessThan(500);
        const answer = await response.text();
        if (response.status >= 400) {
          const error = JSON.parse(answer);
          expect(typeof error.statusCode).toBe("number");
          expect(typeof error.message).toBe("string");
        }
      }),
      runs(3000),
    );
  });

  test("metadata with __proto__ and constructor keys is stored as data", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("__proto__", "constructor", "prototype"),
        fc.string({ maxLength: 10 }),
        async (key, value) => {
          const response = await h.request("/api/v2/users", {
            method: "POST",
            headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
            body: `{"email":"p${Math.random().toString(36).slice(2)}@example.com","password":"long enough","user_metadata":{"${key}":{"polluted":${JSON.stringify(value)}}}}`,
          });
          expect(response.status).toBe(201);
          const user = await response.json();
          expect(Object.keys(user.user_metadata)).toEqual([key]);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      runs(60),
    );
  });
});

test("rule results: normalizeOutcome accepts or refuses anything, never crashes", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.anything(),
        fc.dictionary(fc.oneof(fc.webUrl(), paramName), fc.jsonValue()),
        fc.record({ accessToken: fc.anything(), idToken: fc.anything(), scope: fc.anything() }),
      ),
      (result) => {
        try {
          const { outcome } = normalizeOutcome(result);
          expect(
            outcome.scope.every(
              (scope) => typeof scope === "string" && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope),
            ),
          ).toBe(true);
          for (const claims of [outcome.accessTokenClaims, outcome.idTokenClaims]) {
            for (const name of Object.keys(claims)) {
              expect(/^https?:\/\//i.test(name)).toBe(true);
              expect(REGISTERED_CLAIMS.has(name)).toBe(false);
            }
          }
        } catch (error) {
          expect(error).toBeInstanceOf(GarbageResult);
        }
      },
    ),
    runs(3000),
  );
});

test("afterwards: the server is alive and Object.prototype is untouched", async () => {
  expect((await h.request("/.well-known/jwks.json")).status).toBe(200);
  const ok = await aliceExchange(h, seed_, {}, { remoteAddress: "192.0.2.250" });
  expect(ok.status).toBe(200);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
