import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/chromium.ts";
import { demoRequestBody, portOf, startServer, stopAllServers } from "../support/server-process.ts";

/** Debian's Chromium; scripts/ensure-chromium.sh (run by `npm test` and .ci/run) installs it. */
/** Where the screenshot goes (git-ignored). */
export const ARTIFACTS = join(import.meta.dir, "..", "..", "test-artifacts");

const dir = mkdtempSync(join(tmpdir(), "rulegate-browser-"));
let browser: Browser;
let baseUrl: string;
let demoBody: string;

beforeAll(async () => {
  const { done } = await startServer({ DB_PATH: join(dir, "db.sqlite") }, /^curl .*$/m);
  const { stdout } = await done;
  baseUrl = `http://localhost:${portOf(stdout)}`;
  demoBody = demoRequestBody(stdout);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

test("Swagger UI, offline: try POST /oauth/token with the demo client and user, get a token", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const external: string[] = [];
  page.on("request", (request) => {
    if (!request.url().startsWith(baseUrl)) external.push(request.url());
  });
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });

  const navigation = await page.goto(`${baseUrl}/swagger`);
  expect(navigation?.headers()["content-security-policy"]).toContain("default-src 'none'");
  expect(await page.title()).toBe("Rulegate");
  const operation = page.locator("#operations-OAuth-token");
  await operation.waitFor();
  // The password exchange is the first operation on the page.
  expect(await page.locator(".opblock").first().getAttribute("id")).toBe("operations-OAuth-token");

  await operation.locator(".opblock-summary").click();
  await operation.locator("button.try-out__btn").click();
  const contentType = operation.locator(".opblock-section-request-body select");
  expect(await contentType.inputValue()).toBe("application/json");
  await operation.locator("textarea.body-param__text").fill(JSON.stringify(JSON.parse(demoBody), null, 2));
  await operation.locator("button.execute").click();

  const live = operation.locator(".live-responses-table .response");
  await live.waitFor();
  expect((await live.locator(".response-col_status").first().textContent())?.trim()).toBe("200");
  const shown = await live.locator(".response-col_description pre").first().textContent();
  const tokens = JSON.parse(shown ?? "");
  expect(tokens.token_type).toBe("Bearer");
  expect(tokens.scope).toBe("read:sample extra");
  expect(tokens.access_token.split(".")).toHaveLength(3);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "swagger-page.png") });
  await live.screenshot({ path: join(ARTIFACTS, "swagger-token-exchange.png") });
  expect(external).toEqual([]);
  // The page works under its strict Content-Security-Policy.
  expect(violations).toEqual([]);
  await page.close();
});
