/**
 * The rule workbench in a real Chromium (Debian's, through playwright-core), against a real
 * server process: sign in, edit, try, deploy, a real exchange, the live log. Each step
 * leaves a screenshot in test-artifacts/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import type { Page } from "playwright-core";
import { ADMIN_KEY, exchange, openWorkbench, replaceRule as pasteRule, type Workbench } from "./support.ts";

const CLAIM = "https://rulegate.test/plan";

/** The edited rule, with a syntax error on line 4 (column 38: the `;` where a value belongs). */
const BROKEN_RULE = `module.exports = function (user, client, scope, audience, context, cb) {
  console.log('trying for ' + user.email);
  var access_token = { scope: scope };
  access_token['${CLAIM}'] = ;
  cb(null, access_token);
};
`;
const FIXED_RULE = BROKEN_RULE.replace("] = ;", "] = 'gold';");

let workbench: Workbench;
let page: Page;
let baseUrl: string;
let demoBody: string;

const shot = (name: string) => workbench.shot(name);
const replaceRule = (text: string) => pasteRule(page, text);

beforeAll(async () => {
  workbench = await openWorkbench({ artifactPrefix: "console" });
  ({ page, baseUrl, demoBody } = workbench);
});

afterAll(async () => {
  await workbench?.close();
});

describe("the rule workbench at /console, in Chromium", () => {
  test("the page is served under a strict Content-Security-Policy", async () => {
    const navigation = await page.goto(`${baseUrl}/console`);
    const csp = navigation?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    await page.locator("#api-key").waitFor();
    await shot("1-sign-in");
  });

  test("a wrong key gets a clear message; the right one signs in and stays in sessionStorage only", async () => {
    await page.fill("#api-key", "not-the-right-key-000000000000");
    await page.click("#sign-in-form button[type=submit]");
    await page.locator("#sign-in-error:not(:empty)").waitFor();
    expect(await page.locator("#sign-in-error").textContent()).toContain(
      "This key or token was not accepted",
    );
    await shot("2-wrong-key");

    await page.fill("#api-key", ADMIN_KEY);
    await page.keyboard.press("Enter");
    await page.locator("#rule-view").waitFor({ state: "visible" });
    expect(await page.evaluate(() => sessionStorage.getItem("rulegate.managementKey"))).toBe(ADMIN_KEY);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe("");
  });

  test("the deployed rule is loaded in the editor", async () => {
    await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
    const shown = await page.locator(".cm-content").first().textContent();
    expect(shown).toContain("access_token['https://foo.com/claim'] = 'bar';");
    expect(await page.isChecked("#rule-enabled")).toBe(true);
    // The sample input is filled once the default audience is read, beside the rule's own load.
    await page.waitForFunction(
      () => (document.querySelector("#try-input") as HTMLTextAreaElement).value !== "",
    );
    const input = JSON.parse(await page.inputValue("#try-input"));
    expect(Object.keys(input)).toEqual(["user", "client", "scope", "audience", "context"]);
    expect(input.user.email).toBe("user@example.com");
    expect(input.audience).toBe("https://someapi.com/api");
    await shot("3-deployed-rule");
  });

  test("a syntax error is marked at its line, and the page says where", async () => {
    await replaceRule(BROKEN_RULE);
    await page.locator("#rule-status", { hasText: "Unsaved changes" }).waitFor();
    expect(await page.title()).toStartWith("•");
    const problem = page.locator("#rule-problem:not(:empty)");
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/^Line 4, column \d+: SyntaxError: Unexpected token/);
    const marked = await page.evaluate(() => {
      const lines = Array.from(document.querySelectorAll("#editor .cm-line"));
      return lines.findIndex((line) => line.querySelector(".cm-lintRange-error")) + 1;
    });
    expect(marked).toBe(4);
    await page.locator("#editor .cm-lint-marker-error").waitFor();
    await shot("4-syntax-error");
  });

  test("fixed and tried: the claims, the scope, the console.log line and the duration", async () => {
    await replaceRule(FIXED_RULE);
    await page.locator("#rule-problem:empty").waitFor({ state: "attached" });
    await page.click("#try-run");
    await page.locator("#try-summary", { hasText: "A token would be issued" }).waitFor();
    const claims = JSON.parse((await page.locator("#try-claims").textContent()) ?? "{}");
    expect(claims[CLAIM]).toBe("gold");
    expect(await page.locator("#try-scope").textContent()).toBe("read:sample");
    expect(await page.locator("#try-console").textContent()).toContain("trying for user@example.com");
    expect(await page.locator("#try-summary").textContent()).toMatch(/\d+\.\d ms/);
    await shot("5-tried");
  });

  test("deploy shows the diff and asks; a real exchange then carries the new claim", async () => {
    await page.click("#rule-deploy");
    const dialog = page.locator("#deploy-dialog");
    await dialog.waitFor({ state: "visible" });
    expect(await page.locator("#deploy-summary").textContent()).toMatch(/line\(s\) added, \d+ removed/);
    expect(await page.locator("#deploy-diff .cm-deletedChunk").count()).toBeGreaterThan(0);
    expect(await page.locator("#deploy-diff").textContent()).toContain("'gold'");
    await shot("6-deploy-diff");
    await page.click("#deploy-confirm");
    await dialog.waitFor({ state: "hidden" });
    await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
    expect(await page.title()).not.toStartWith("•");

    const response = await exchange(baseUrl, demoBody);
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    expect(decodeJwt(access_token)[CLAIM]).toBe("gold");
  });

  test("an exchange appears in the live log panel within a second", async () => {
    await page.click("#tabs button[data-view=logs-view]");
    await page.locator("#log-state", { hasText: "Live" }).waitFor();
    const before = await page.locator("#log-list li[data-type=sepft]").count();
    const response = await exchange(baseUrl, demoBody);
    expect(response.status).toBe(200);
    const answered = performance.now();
    await page.locator("#log-list li[data-type=sepft]").nth(before).waitFor({ timeout: 1000 });
    expect(performance.now() - answered).toBeLessThan(1000);
    const entry = page.locator("#log-list li[data-type=sepft]").nth(before);
    await entry.locator("summary").click();
    const json = JSON.parse((await entry.locator("pre").textContent()) ?? "{}");
    expect(json.type).toBe("sepft");
    expect(json.user_name).toBe("user@example.com");
    await shot("7-live-logs");
  });

  test("secrets are set, replaced and removed by name; their values are never shown", async () => {
    await page.click("#tabs button[data-view=rule-view]");
    await page.fill("#secret-name", "PARTNER_KEY");
    await page.fill("#secret-value", "first-secret-value");
    await page.click("#secret-form button[type=submit]");
    await page.locator("#secret-list code", { hasText: "PARTNER_KEY" }).waitFor();
    await page.click("#secret-list button[aria-label='Replace the value of PARTNER_KEY']");
    expect(await page.inputValue("#secret-name")).toBe("PARTNER_KEY");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("secret-value");
    await page.keyboard.type("second-secret-value");
    await page.keyboard.press("Enter");
    await page.locator("#secret-message", { hasText: "Set PARTNER_KEY." }).waitFor();
    expect(await page.inputValue("#secret-value")).toBe("");
    const shown = await page.evaluate(() => document.documentElement.outerHTML);
    expect(shown).not.toContain("first-secret-value");
    expect(shown).not.toContain("second-secret-value");
    await page.click("#secret-list button[aria-label='Remove PARTNER_KEY']");
    await page.locator("#secret-list", { hasText: "No secrets." }).waitFor();
  });

  test("users, clients and APIs are listed", async () => {
    await page.click("#tabs button[data-view=users-view]");
    await page.locator("#users-rows tr").first().waitFor();
    expect(await page.locator("#users-rows").textContent()).toContain("user@example.com");
    await shot("8-users");
    await page.click("#tabs button[data-view=apis-view]");
    await page.locator("#apis-rows tr").first().waitFor();
    expect(await page.locator("#apis-rows").textContent()).toContain("https://someapi.com/api");
    await page.click("#tabs button[data-view=clients-view]");
    await page.locator("#clients-rows tr").first().waitFor();
    await page.click("#tabs button[data-view=rule-view]");
    await shot("9-workbench");
  });

  test("nothing left localhost, the key never went into a URL, and no CSP violation or error", async () => {
    expect(workbench.requested.length).toBeGreaterThan(5);
    expect(workbench.external).toEqual([]);
    expect(workbench.requested.filter((url) => url.includes(ADMIN_KEY))).toEqual([]);
    expect(await workbench.cspViolations()).toEqual([]);
    // The refused sign-in is a 401 the browser reports as a failed resource load: that one is expected.
    expect(workbench.consoleErrors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  });
});

describe("the workbench's session", () => {
  test("a reload keeps the tab signed in; Sign out forgets the key", async () => {
    await page.reload();
    await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
    expect(await page.isVisible("#sign-in-view")).toBe(false);
    await page.click("#sign-out");
    await page.locator("#sign-in-view").waitFor({ state: "visible" });
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.isVisible("#rule-view")).toBe(false);
  });
});
