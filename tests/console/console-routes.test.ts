import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The directives of a Content-Security-Policy header, by name. */
const directives = (header: string) =>
  new Map(
    header.split(";").map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );

describe("/console", () => {
  test("is the workbench's page under a strict Content-Security-Policy, with a new nonce each time", async () => {
    const first = await h.request("/console");
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.headers.get("x-frame-options")).toBe("DENY");
    const header = first.headers.get("content-security-policy") ?? "";
    expect(header).not.toMatch(/unsafe-|\*|https?:|data:.*script/);
    const csp = directives(header);
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    const nonce = /'nonce-([A-Za-z0-9_-]{20,})'/.exec(header)?.[1];
    expect(csp.get("style-src")).toEqual(["'self'", `'nonce-${nonce}'`]);
    const html = await first.text();
    expect(html).toContain(`<script type="module" nonce="${nonce}" src="/console/assets/console.js">`);
    const second = await h.request("/console");
    expect(second.headers.get("content-security-policy")).not.toContain(`'nonce-${nonce}'`);
  });

  test("loads nothing but its own two assets, and has no inline script or style", async () => {
    const html = await (await h.request("/console")).text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(sources.sort()).toEqual(["/console/assets/console.css", "/console/assets/console.js"]);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    for (const [source, type] of [
      ["/console/assets/console.js", "text/javascript; charset=utf-8"],
      ["/console/assets/console.css", "text/css; charset=utf-8"],
    ] as const) {
      const asset = await h.request(source);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toBe(type);
      expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  test("the bundle keeps the key in sessionStorage: never in localStorage or a cookie", async () => {
    const bundle = await (await h.request("/console/assets/console.js")).text();
    expect(bundle).not.toContain("localStorage");
    expect(bundle).not.toContain("document.cookie");
    expect(bundle).toContain("sessionStorage");
  });

  test("serves only its own files", async () => {
    for (const path of [
      "/console/assets/index.html",
      "/console/assets/..%2fconsole-routes.ts",
      "/console/x",
    ]) {
      expect((await h.request(path)).status).toBe(404);
    }
  });

  test("is not part of the API: hidden from the OpenAPI document, like Swagger UI's pages", () => {
    const routes = h.app.routes.filter((route) => route.path.startsWith("/console"));
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes)
      expect((route.hooks as { detail?: { hide?: boolean } }).detail?.hide).toBe(true);
  });
});
