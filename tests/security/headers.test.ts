import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ CORS_ALLOWED_ORIGINS: "https://spa.example.com" });
});
afterAll(() => h.close());

describe("CORS: off unless an origin is listed, and only for the browser-facing endpoints", () => {
  const origin = (value: string) => ({ origin: value, "content-type": "application/json" });

  test("an allowed origin gets the headers on answers and preflights of /oauth/token, /oauth/revoke, /userinfo", async () => {
    const answer = await h.request("/oauth/token", {
      method: "POST",
      headers: origin("https://spa.example.com"),
      body: "{}",
    });
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://spa.example.com");
    expect(answer.headers.get("vary")).toBe("Origin");
    for (const path of ["/oauth/token", "/oauth/revoke", "/userinfo"]) {
      const preflight = await h.request(path, {
        method: "OPTIONS",
        headers: { origin: "https://spa.example.com" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://spa.example.com");
      expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, POST");
    }
    const userinfo = await h.request("/userinfo", { headers: { origin: "https://spa.example.com" } });
    expect(userinfo.headers.get("access-control-allow-origin")).toBe("https://spa.example.com");
  });

  test("another origin, and the management API, get none", async () => {
    const answer = await h.request("/oauth/token", {
      method: "POST",
      headers: origin("https://evil.example.com"),
      body: "{}",
    });
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await h.request("/oauth/token", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const management = await h.admin("GET", "/users");
    expect(management.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("with no CORS_ALLOWED_ORIGINS nobody gets them", async () => {
    const plain = await createHarness();
    try {
      const answer = await plain.request("/oauth/token", {
        method: "POST",
        headers: { origin: "https://spa.example.com", "content-type": "application/json" },
        body: "{}",
      });
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe("Cache-Control: no-store", () => {
  test("on every management answer, including a new client secret and errors", async () => {
    const created = await h.admin("POST", "/clients", { name: "secret keeper" });
    expect(created.headers.get("cache-control")).toBe("no-store");
    const { client_id } = await created.json();
    for (const response of [
      await h.admin("POST", `/clients/${client_id}/rotate-secret`),
      await h.admin("GET", "/users"),
      await h.admin("GET", "/users/usr_missing"),
      await h.admin("POST", "/users", { nope: 1 }),
      await h.request("/api/v2/users"),
    ]) {
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });
});

test("the Swagger page carries a strict Content-Security-Policy", async () => {
  const page = await h.request("/swagger");
  const csp = page.headers.get("content-security-policy")!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).not.toContain("unsafe-eval");
});
