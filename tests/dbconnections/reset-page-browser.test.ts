/**
 * The password-reset page (`/lo/reset`) in a real Chromium (Debian's, through playwright-core),
 * black-box: a real server process on a fresh database, sending its emails to a real SMTP
 * server (tests/support/smtp.ts). A reset asked for through Auth0's
 * `/dbconnections/change_password` arrives by email; its link opens a page that may reach only
 * the server (and, for a ticket's `result_url`, a second local origin); the new password is then
 * what the password grant takes. Each step leaves a screenshot in test-artifacts/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { launchChromium } from "../support/chromium.ts";
import { portOf, startServer, stopAllServers } from "../support/server-process.ts";
import { startSmtp, type TestSmtp, ticketLink } from "../support/smtp.ts";

const ARTIFACTS = join(import.meta.dir, "..", "..", "test-artifacts");
const ADMIN_KEY = "reset-page-test-key-0123456789abcdef";
const CONNECTION = "Username-Password-Authentication";
const EXPIRED_TEXT = "This link has expired or was already used";

const OLD_PASSWORD = "first Password 1";
const NEW_PASSWORD = "brand new Password 2";

let smtp: TestSmtp;
let dir: string;
let baseUrl: string;
let browser: Browser;
let client: { client_id: string; client_secret: string };
/** A second origin (127.0.0.1, not localhost) standing for the application a `result_url` names. */
let app: ReturnType<typeof Bun.serve>;
let appOrigin: string;
/** The `Referer` headers the application's origin was sent. */
const appReferers: (string | undefined)[] = [];

/** A Chromium tab that may reach only the server (and the application's origin), with what it saw. */
interface Tab {
  context: BrowserContext;
  page: Page;
  requested: string[];
  external: string[];
  consoleErrors: string[];
  cspViolations(): Promise<string[]>;
  shot(name: string): Promise<Buffer>;
}

async function openTab(options: { allowApp?: boolean } = {}): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const page = await context.newPage();
  const requested: string[] = [];
  const external: string[] = [];
  const consoleErrors: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    requested.push(url);
    if (url.startsWith(`${baseUrl}/`)) return route.continue();
    if (options.allowApp && url.startsWith(`${appOrigin}/`)) {
      appReferers.push(route.request().headers().referer);
      return route.continue();
    }
    external.push(url);
    return route.abort();
  });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  // The pages have no script: the listener is Playwright's, added before the page's own content.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`),
    );
  });
  const tab: Tab = {
    context,
    page,
    requested,
    external,
    consoleErrors,
    cspViolations: () =>
      page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
    shot: (name) => page.screenshot({ path: join(ARTIFACTS, `reset-page-${name}.png`), fullPage: true }),
  };
  return tab;
}

/**
 * The page's console errors, short of the one Chromium logs for every 4xx document ("Failed to
 * load resource: … status of 400"): a refused password and an expired link are 400 pages.
 */
const unexpectedErrors = (tab: Tab) =>
  tab.consoleErrors.filter(
    (text) =>
      !/^Failed to load resource: .*status of 400 .*\(http:\/\/localhost:\d+\/lo\/reset[?)]/.test(text),
  );

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${baseUrl}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function createUser(email: string): Promise<void> {
  const response = await admin("POST", "/users", { email, password: OLD_PASSWORD, connection: CONNECTION });
  expect(response.status).toBe(201);
}

/** A password-change ticket from the Management API: its link. */
async function ticketFor(
  email: string,
  extra: { result_url?: string; ttl_sec?: number } = {},
): Promise<string> {
  const response = await admin("POST", "/tickets/password-change", { email, ...extra });
  expect(response.status).toBe(201);
  const { ticket } = (await response.json()) as { ticket: string };
  expect(ticket).toStartWith(`${baseUrl}/lo/reset?ticket=`);
  return ticket;
}

/** The password grant, as an application logs a user in. */
const logIn = (username: string, password: string) =>
  fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "password", username, password, ...client }),
  });

async function expectLogIn(username: string, password: string, works: boolean) {
  const response = await logIn(username, password);
  const body = (await response.json()) as Record<string, unknown>;
  if (works) {
    expect(response.status).toBe(200);
    expect(typeof body.access_token).toBe("string");
  } else {
    expect(response.status).toBe(400);
    expect(body.error).toBe("invalid_grant");
  }
}

/**
 * Clicks the submit button (or runs `act`), waits for the page the post leads to to load, and
 * returns the answer to the form's POST.
 */
async function submit(page: Page, act?: () => Promise<void>): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForResponse(
      (candidate) =>
        candidate.request().method() === "POST" && new URL(candidate.url()).pathname === "/lo/reset",
    ),
    page.waitForEvent("load"),
    act ? act() : page.getByRole("button", { name: "Change password" }).click(),
  ]);
  return response;
}

async function fillPasswords(page: Page, password: string, confirm = password) {
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Confirm new password", { exact: true }).fill(confirm);
}

async function expectLinkExpired(page: Page, response: Response | null) {
  expect(response?.status()).toBe(400);
  expect(await page.title()).toBe("Link expired");
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Link expired");
  expect(await page.getByRole("alert").textContent()).toContain(EXPIRED_TEXT);
  expect(await page.locator("form").count()).toBe(0);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  smtp = await startSmtp();
  app = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response("<!doctype html><title>Back in the app</title><h1>Back in the app</h1>", {
        headers: { "content-type": "text/html; charset=utf-8" },
      }),
  });
  appOrigin = `http://127.0.0.1:${app.port}`;
  dir = mkdtempSync(join(tmpdir(), "rulegate-reset-page-"));
  const { done } = await startServer(
    {
      DB_PATH: join(dir, "db.sqlite"),
      ADMIN_API_KEY: ADMIN_KEY,
      RULE_WORKERS: "1",
      SMTP_URL: smtp.url,
      EMAIL_FROM: "Rulegate <no-reply@rulegate.test>",
    },
    /"event":"listening"/,
  );
  const { stdout, code } = await done;
  if (code !== null) throw new Error(`the server exited (${code}): ${stdout}`);
  baseUrl = `http://localhost:${portOf(stdout)}`;
  browser = await launchChromium();
  const created = await admin("POST", "/clients", {
    name: "Reset page app",
    grant_types: ["password"],
    token_endpoint_auth_method: "client_secret_post",
  });
  expect(created.status).toBe(201);
  const { client_id, client_secret } = (await created.json()) as typeof client;
  client = { client_id, client_secret };
});

afterAll(async () => {
  await browser?.close();
  stopAllServers();
  app?.stop(true);
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a reset asked for with /dbconnections/change_password, followed from its email", () => {
  const email = "reset.page@example.com";
  let link: string;
  let tab: Tab;

  test("the request is answered as Auth0 does, and the email carries a single-use /lo/reset link", async () => {
    await createUser(email);
    await expectLogIn(email, OLD_PASSWORD, true);
    const response = await fetch(`${baseUrl}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: client.client_id, email, connection: CONNECTION }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    expect(await response.text()).toBe("We've just sent you an email to reset your password.");
    const received = await smtp.waitFor((candidate) => candidate.to.includes(email));
    expect(received.from).toContain("no-reply@rulegate.test");
    expect(received.subject).toBe("Reset your password for Reset page app");
    const url = ticketLink(received);
    expect(url.origin).toBe(baseUrl);
    expect(url.pathname).toBe("/lo/reset");
    link = url.href;
  });

  test("the link opens the form: title, labelled inputs, a strict CSP, nothing from elsewhere", async () => {
    tab = await openTab();
    const { page } = tab;
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    const csp = headers["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-[^']+'/);
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(headers["cache-control"]).toBe("no-store");
    expect(headers["referrer-policy"]).toBe("no-referrer");

    expect(await page.title()).toBe("Change your password");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Change your password");
    const password = page.getByLabel("New password", { exact: true });
    const confirm = page.getByLabel("Confirm new password", { exact: true });
    for (const input of [password, confirm]) {
      expect(await input.getAttribute("type")).toBe("password");
      expect(await input.getAttribute("autocomplete")).toBe("new-password");
      expect(await input.evaluate((element) => (element as HTMLInputElement).required)).toBe(true);
    }
    expect(await page.getByRole("button", { name: "Change password" }).isVisible()).toBe(true);
    expect(await page.locator("script").count()).toBe(0);
    // The one style is applied (its nonce matched): the button is painted in the page's blue.
    expect(
      await page
        .getByRole("button", { name: "Change password" })
        .evaluate((button) => getComputedStyle(button).backgroundColor),
    ).toBe("rgb(26, 95, 180)");
    expect(await page.getByRole("alert").count()).toBe(0);
    await tab.shot("1-form");

    expect(tab.requested.length).toBeGreaterThan(0);
    expect(tab.requested.every((url) => url.startsWith(`${baseUrl}/`))).toBe(true);
    expect(tab.external).toEqual([]);
    expect(await tab.cspViolations()).toEqual([]);
    expect(unexpectedErrors(tab)).toEqual([]);
  });

  test("a too-short password is refused with an alert, and the form stays", async () => {
    const { page } = tab;
    await fillPasswords(page, "short1");
    const response = await submit(page);
    expect(response.status()).toBe(400);
    expect(await page.title()).toBe("Change your password");
    const alert = page.getByRole("alert");
    expect(await alert.isVisible()).toBe(true);
    const text = (await alert.textContent()) ?? "";
    expect(text).toContain("Password is too weak");
    expect(text).toContain("At least 8 characters");
    // The form is back, empty: the refused password is not echoed into the page.
    expect(await page.getByLabel("New password", { exact: true }).inputValue()).toBe("");
    expect(await page.getByLabel("Confirm new password", { exact: true }).isVisible()).toBe(true);
    expect(await page.content()).not.toContain("short1");
    // The first input names the alert as its description, for a screen reader.
    expect(await page.getByLabel("New password", { exact: true }).getAttribute("aria-describedby")).toContain(
      "password-error",
    );
    await tab.shot("2-too-short");
    await expectLogIn(email, OLD_PASSWORD, true);
  });

  test("two different passwords are refused with an alert", async () => {
    const { page } = tab;
    await fillPasswords(page, NEW_PASSWORD, `${NEW_PASSWORD}!`);
    const response = await submit(page);
    expect(response.status()).toBe(400);
    expect(await page.title()).toBe("Change your password");
    expect(await page.getByRole("alert").textContent()).toContain("The two passwords are not the same.");
    expect(await page.getByRole("button", { name: "Change password" }).isVisible()).toBe(true);
    await tab.shot("3-mismatch");
  });

  test("a good password is taken: 'Password changed'", async () => {
    const { page } = tab;
    await fillPasswords(page, NEW_PASSWORD);
    const response = await submit(page);
    expect(response.status()).toBe(200);
    expect(await page.title()).toBe("Password changed");
    expect(await page.getByRole("status").textContent()).toContain("Your password has been changed");
    expect(await page.locator("form").count()).toBe(0);
    await tab.shot("4-changed");
    // The ticket went in the form's body only: no request carried it in a URL but the link's own.
    const linkWithoutFragment = link.replace(/#.*$/, "");
    expect(tab.requested.filter((url) => url.includes("ticket=") && url !== linkWithoutFragment)).toEqual([]);
    expect(tab.external).toEqual([]);
    expect(await tab.cspViolations()).toEqual([]);
    expect(unexpectedErrors(tab)).toEqual([]);
  });

  test("the password grant refuses the old password and takes the new one", async () => {
    await expectLogIn(email, OLD_PASSWORD, false);
    await expectLogIn(email, NEW_PASSWORD, true);
  });

  test("the same link opened again is 'Link expired' (400)", async () => {
    const again = await openTab();
    const response = await again.page.goto(link);
    await expectLinkExpired(again.page, response);
    await again.shot("5-link-used");
    expect(again.external).toEqual([]);
    expect(await again.cspViolations()).toEqual([]);
    expect(unexpectedErrors(again)).toEqual([]);
  });

  test("the used link's form, posted again, is 'Link expired' and changes nothing", async () => {
    const response = await fetch(`${baseUrl}/lo/reset`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        ticket: new URL(link).searchParams.get("ticket") ?? "",
        password: "yet another Password 3",
        password_confirm: "yet another Password 3",
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(EXPIRED_TEXT);
    await expectLogIn(email, NEW_PASSWORD, true);
  });
});

describe("a ticket with a result_url", () => {
  test("after a refused try, the new password sends the browser to the result_url with success=true", async () => {
    const email = "result.url@example.com";
    await createUser(email);
    const link = await ticketFor(email, { result_url: `${appOrigin}/welcome-back?from=reset` });
    const tab = await openTab({ allowApp: true });
    const { page } = tab;
    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    // The form may post here, and the post redirect to the result_url's origin: nowhere else.
    expect(opened?.headers()["content-security-policy"]).toContain(`form-action 'self' ${appOrigin}`);

    await fillPasswords(page, "tiny");
    expect((await submit(page)).status()).toBe(400);
    expect(await page.getByRole("alert").textContent()).toContain("Password is too weak");

    await fillPasswords(page, NEW_PASSWORD);
    const response = await submit(page);
    expect(response.status()).toBe(302);
    await page.waitForURL((url) => url.origin === appOrigin);
    const landed = new URL(page.url());
    expect(landed.pathname).toBe("/welcome-back");
    expect(landed.searchParams.get("from")).toBe("reset");
    expect(landed.searchParams.get("success")).toBe("true");
    expect(landed.searchParams.get("message")).toBe("Your password has been changed successfully.");
    expect(landed.searchParams.has("email")).toBe(false);
    expect(await page.title()).toBe("Back in the app");
    await tab.shot("6-result-url");
    // The application never learns the link: no Referer, and the ticket is in no URL it got.
    expect(appReferers).toEqual([undefined]);
    expect(tab.requested.filter((url) => url.startsWith(appOrigin) && url.includes("ticket"))).toEqual([]);
    expect(tab.external).toEqual([]);
    expect(unexpectedErrors(tab)).toEqual([]);
    await expectLogIn(email, OLD_PASSWORD, false);
    await expectLogIn(email, NEW_PASSWORD, true);
  });
});

describe("an expired link", () => {
  test("a ticket past its ttl_sec opens 'Link expired'; a form opened in time cannot be posted after", async () => {
    const email = "expired.link@example.com";
    await createUser(email);
    const shortLived = await ticketFor(email, { ttl_sec: 1 });
    const longer = await ticketFor(email, { ttl_sec: 2 });
    const late = await openTab();
    const inTime = await openTab();
    expect((await inTime.page.goto(longer))?.status()).toBe(200);
    await fillPasswords(inTime.page, NEW_PASSWORD);
    await Bun.sleep(2_200);

    const response = await late.page.goto(shortLived);
    await expectLinkExpired(late.page, response);
    await late.shot("7-link-expired");
    expect(late.external).toEqual([]);
    expect(await late.cspViolations()).toEqual([]);
    expect(unexpectedErrors(late)).toEqual([]);

    const posted = await submit(inTime.page);
    expect(posted.status()).toBe(400);
    expect(await inTime.page.title()).toBe("Link expired");
    expect(await inTime.page.getByRole("alert").textContent()).toContain(EXPIRED_TEXT);
    await expectLogIn(email, OLD_PASSWORD, true);
    await expectLogIn(email, NEW_PASSWORD, false);
  });
});

describe("the form with the keyboard only", () => {
  test("Tab reaches the new password, its confirmation and the button, in that order; Enter submits", async () => {
    const email = "keyboard.only@example.com";
    await createUser(email);
    const link = await ticketFor(email);
    const tab = await openTab();
    const { page } = tab;
    await page.goto(link);
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return element ? `${element.tagName.toLowerCase()}#${element.id}:${element.textContent ?? ""}` : "";
      });

    await page.keyboard.press("Tab");
    expect(await focused()).toBe("input#password:");
    // The focus is visible: the page's 3px outline.
    expect(
      await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement as Element);
        return `${style.outlineStyle} ${style.outlineWidth}`;
      }),
    ).toBe("solid 3px");
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("input#password_confirm:");
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("button#:Change password");
    await tab.shot("8-keyboard-focus");
    // And back: Shift+Tab returns to the confirmation.
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe("input#password_confirm:");
    await page.keyboard.press("Tab");

    const response = await submit(page, () => page.keyboard.press("Enter"));
    expect(response.status()).toBe(200);
    expect(await page.title()).toBe("Password changed");
    await tab.shot("9-keyboard-changed");
    expect(tab.external).toEqual([]);
    expect(await tab.cspViolations()).toEqual([]);
    expect(unexpectedErrors(tab)).toEqual([]);
    await expectLogIn(email, NEW_PASSWORD, true);
  });

  test("Enter in the confirmation field submits too", async () => {
    const email = "keyboard.enter@example.com";
    await createUser(email);
    const link = await ticketFor(email);
    const tab = await openTab();
    const { page } = tab;
    await page.goto(link);
    await page.keyboard.press("Tab");
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press("Tab");
    await page.keyboard.type(NEW_PASSWORD);
    const response = await submit(page, () => page.keyboard.press("Enter"));
    expect(response.status()).toBe(200);
    expect(await page.title()).toBe("Password changed");
    await expectLogIn(email, NEW_PASSWORD, true);
  });
});
