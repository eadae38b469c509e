import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const document = parse(readFileSync("openapi.yaml", "utf8")) as {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
};
const METHODS = new Set(["get", "put", "post", "patch", "delete"]);

test("openapi.yaml documents exactly the routes the server has", () => {
  const served = h.app.routes
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

test("every documented token error code is one the server can answer", async () => {
  const tokenErrors = (document as any).components.schemas.OAuthError.properties.error.enum as string[];
  const errors = await import("../../src/oauth/errors.ts");
  const produced = new Set(
    Object.values(errors)
      .filter((value) => typeof value === "function" && value.prototype instanceof errors.OAuthError)
      .map(
        (ErrorClass) => new (ErrorClass as unknown as new (message: string) => { error: string })("x").error,
      ),
  );
  expect([...produced].sort()).toEqual([...new Set(tokenErrors)].sort());
});
