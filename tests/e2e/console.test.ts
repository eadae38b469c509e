/** The rule workbench is served the same on both runtimes: its page, its CSP and its committed bundle. */
import { createHarness, type Harness } from "../support/harness.ts";
import { afterAll, beforeAll, describe, expect, test } from "../support/test-api.ts";

describe("e2e: the rule workbench's files", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  test("/console, its stylesheet and its bundle", async () => {
    const page = await h.request("/console");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain('src="/console/assets/console.js"');
    const bundle = await h.request("/console/assets/console.js");
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await h.request("/console/assets/console.css")).status).toBe(200);
  });
});
