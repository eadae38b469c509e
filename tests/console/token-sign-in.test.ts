/**
 * Signing in to the rule workbench with a Management API access token instead of the
 * management API key, in a real Chromium against a real server process: a client
 * credentials token for `<issuer>api/v2/` with the rule tab's scopes loads and tries the
 * deployed rule; one with too few scopes gets a notice naming the scopes each refused call
 * expects; an invalid token gets the wrong key's message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { ADMIN_KEY, exchange, openWorkbench, type Workbench } from "./support.ts";

/**
 * What the rule tab calls, by management-scopes.ts: the rule (read:rules), try and deploy
 * (update:rules), its secrets (read:rules_configs, update:rules_configs), the try input's
 * default audience (read:tenant_settings, read:resource_servers) and the live logs (read:logs).
 */
const RULE_TAB_SCOPES = [
  "read:rules",
  "update:rules",
  "read:rules_configs",
  "update:rules_configs",
  "read:tenant_settings",
  "read:resource_servers",
  "read:logs",
];

let workbench: Workbench;
let page: Page;
let baseUrl: string;
let client: { client_id: string; client_secret: string };
let audience: string;
/** Every token the suite signed in with: none may appear in a URL. */
const tokens: string[] = [];

const admin = async (method: string, path: string, body: unknown) => {
  const response = await fetch(`${baseUrl}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return response.json();
};

/** A client credentials token for the Management API with `scope` (all of the grant's if absent). */
const managementToken = async (scope?: string) => {
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      ...client,
      audience,
      ...(scope === undefined ? {} : { scope }),
    }),
  });
  expect(response.status).toBe(200);
  const { access_token } = (await response.json()) as { access_token: string };
  tokens.push(access_token);
  return access_token;
};

const signInWith = async (credential: string) => {
  await page.goto(`${baseUrl}/console`);
  await page.fill("#api-key", credential);
  await page.keyboard.press("Enter");
};
const signOut = async () => {
  await page.click("#sign-out");
  await page.locator("#sign-in-view").waitFor({ state: "visible" });
};

beforeAll(async () => {
  workbench = await openWorkbench({ artifactPrefix: "token-sign-in" });
  ({ page, baseUrl } = workbench);
  const discovery = await fetch(`${baseUrl}/.well-known/openid-configuration`);
  const { issuer } = (await discovery.json()) as { issuer: string };
  audience = `${issuer.endsWith("/") ? issuer : `${issuer}/`}api/v2/`;
  client = await admin("POST", "/clients", {
    name: "workbench automation",
    grant_types: ["client_credentials"],
  });
  await admin("POST", "/client-grants", { client_id: client.client_id, audience, scope: RULE_TAB_SCOPES });
});

afterAll(async () => {
  await workbench?.close();
});

describe("signing in to the workbench with a Management API access token", () => {
  test("the sign-in form says an access token works as well as the key", async () => {
    await page.goto(`${baseUrl}/console`);
    await page.getByLabel("Management API key or access token").waitFor();
    const hint = page.locator("#api-key-hint");
    expect(await hint.isVisible()).toBe(true);
    expect(await hint.textContent()).toContain("read:rules");
    expect(await page.getAttribute("#api-key", "aria-describedby")).toBe("api-key-hint");
    await workbench.shot("1-sign-in");
  });

  test("a token with the rule tab's scopes signs in, keeps to sessionStorage and loads the deployed rule", async () => {
    const token = await managementToken();
    await signInWith(token);
    await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
    const shown = await page.locator(".cm-content").first().textContent();
    expect(shown).toContain("access_token['https://foo.com/claim'] = 'bar';");
    expect(await page.isChecked("#rule-enabled")).toBe(true);
    await page.locator("#secret-list", { hasText: "No secrets." }).waitFor();
    // Compared, never printed: a failed assertion would show the value.
    const stored = await page.evaluate(() => sessionStorage.getItem("rulegate.managementKey"));
    expect(stored === token).toBe(true);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    await workbench.shot("2-signed-in-with-token");
  });

  test("tried with that token; the live log follows with it; no scope is reported missing", async () => {
    await page.click("#try-run");
    await page.locator("#try-summary", { hasText: "A token would be issued" }).waitFor();
    const claims = JSON.parse((await page.locator("#try-claims").textContent()) ?? "{}");
    expect(claims["https://foo.com/claim"]).toBe("bar");

    await page.click("#tabs button[data-view=logs-view]");
    await page.locator("#log-state", { hasText: "Live" }).waitFor();
    const before = await page.locator("#log-list li[data-type=sepft]").count();
    expect((await exchange(baseUrl, workbench.demoBody)).status).toBe(200);
    await page.locator("#log-list li[data-type=sepft]").nth(before).waitFor({ timeout: 2000 });
    expect(await page.isVisible("#scope-notice")).toBe(false);
    await page.click("#tabs button[data-view=rule-view]");
    await workbench.shot("3-tried-with-token");
    await signOut();
  });

  test("a token with too few scopes is told which scopes each refused call expects", async () => {
    await signInWith(await managementToken("read:rules"));
    // The rule itself is readable: the page signs in and loads it.
    await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
    const notice = page.locator("#scope-notice");
    await notice.waitFor({ state: "visible" });
    expect(await notice.locator("h2").textContent()).toBe(
      "This access token lacks a scope the workbench needs",
    );
    const expectRefused = async (call: string, scopes: string) =>
      notice
        .locator("li", { hasText: `${call}: Insufficient scope, expected any of: ${scopes}` })
        .waitFor({ timeout: 5000 });
    await expectRefused("GET /api/v2/tenants/settings", "read:tenant_settings");
    await expectRefused("GET /api/v2/rules/password-exchange/secrets", "read:rules_configs");
    await expectRefused("GET /api/v2/logs", "read:logs");

    await page.click("#try-run");
    await page
      .locator("#try-summary", {
        hasText: "Not tried: Insufficient scope, expected any of: create:rules,update:rules",
      })
      .waitFor();
    await expectRefused("POST /api/v2/rules/password-exchange/try", "create:rules,update:rules");
    await workbench.shot("4-insufficient-scope");

    await signOut();
    expect(await notice.isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  test("an invalid token, or one for another API, gets the same message as a wrong key", async () => {
    const token = await managementToken();
    const [header, payload, signature] = token.split(".");
    const forged = `${header}.${payload}.${"A".repeat(signature?.length ?? 0)}`;
    const response = await exchange(baseUrl, workbench.demoBody);
    const { access_token: otherApisToken } = (await response.json()) as { access_token: string };
    tokens.push(otherApisToken);

    for (const credential of [forged, otherApisToken, "not-the-right-key-000000000000"]) {
      await signInWith(credential);
      await page.locator("#sign-in-error:not(:empty)").waitFor();
      expect(await page.locator("#sign-in-error").textContent()).toStartWith(
        "This key or token was not accepted.",
      );
      expect(await page.isVisible("#rule-view")).toBe(false);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    }
    await workbench.shot("5-invalid-token");
  });

  test("nothing left localhost, no token went into a URL, and no CSP violation or error", async () => {
    expect(workbench.requested.length).toBeGreaterThan(5);
    expect(workbench.external).toEqual([]);
    const inUrls = workbench.requested.filter((url) =>
      [ADMIN_KEY, ...tokens].some((credential) => url.includes(credential)),
    );
    expect(inUrls.length).toBe(0);
    expect(await workbench.cspViolations()).toEqual([]);
    // Refused credentials and missing scopes are 401s and 403s the browser reports as failed loads.
    expect(workbench.consoleErrors.filter((text) => !/status of 40[13]/.test(text))).toEqual([]);
  });
});
