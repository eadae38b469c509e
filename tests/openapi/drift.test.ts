import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The parts of openapi.yaml these tests read. */
const document = parse(readFileSync("openapi.yaml", "utf8")) as {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  tags: Array<{ name: string }>;
  components: { schemas: { OAuthError: { properties: { error: { enum: string[] } } } } };
};
const METHODS = new Set(["get", "put", "post", "patch", "delete"]);

test("openapi.yaml documents exactly the routes the server has (Swagger UI's own are hidden)", () => {
  const served = h.app.routes
    .filter((route) => !(route.hooks as { detail?: { hide?: boolean } })?.detail?.hide)
    .map((route) => `${route.method.toUpperCase()} ${route.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`)
    .sort();
  const documented = Object.entries(document.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.has(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
  expect(documented).toEqual(served);
});

test("GET /openapi.yaml serves the file as written", async () => {
  const response = await h.request("/openapi.yaml");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("yaml");
  expect(await response.text()).toBe(readFileSync("openapi.yaml", "utf8"));
});

test("/swagger/json is openapi.yaml as JSON", async () => {
  const response = await h.request("/swagger/json");
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(document);
});

test("/swagger is Swagger UI with every asset served locally", async () => {
  const page = await (await h.request("/swagger")).text();
  expect(page).toContain("<title>Rulegate</title>");
  expect(page).toContain("password-exchange rule");
  const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  expect(sources.sort()).toEqual(["/swagger/assets/swagger-ui-bundle.js", "/swagger/assets/swagger-ui.css"]);
  for (const source of sources) {
    const asset = await h.request(source);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  }
  expect((await h.request("/swagger/assets/package.json")).status).toBe(404);
});

test("the password exchange is the first operation", () => {
  expect(Object.keys(document.paths)[0]).toBe("/oauth/token");
  expect(document.tags[0]?.name).toBe("OAuth");
});

test("every documented token error code is one the server can answer", async () => {
  const tokenErrors = document.components.schemas.OAuthError.properties.error.enum;
  const errors = await import("../../src/oauth/errors.ts");
  const produced = new Set(
    Object.values(errors)
      .filter((value) => typeof value === "function" && value.prototype instanceof errors.OAuthError)
      .map(
        (ErrorClass) => new (ErrorClass as unknown as new (message: string) => { error: string })("x").error,
      ),
  );
  // RFC 6750 §3.1's codes, answered by /userinfo.
  for (const bearerError of ["invalid_token", "insufficient_scope"]) produced.add(bearerError);
  expect([...produced].sort()).toEqual([...new Set(tokenErrors)].sort());
});
