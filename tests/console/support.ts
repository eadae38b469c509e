/**
 * What the workbench's browser suites share: a real server process, Debian's Chromium
 * (through playwright-core) on a page that may only reach that server, the page's CSP
 * violations and console errors, screenshots in test-artifacts/, and the editor's paste.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../support/chromium.ts";
import { demoRequestBody, portOf, startServer, stopAllServers } from "../support/server-process.ts";

const ARTIFACTS = join(import.meta.dir, "..", "..", "test-artifacts");

/** The management API key the suites' servers are started with. */
export const ADMIN_KEY = "console-test-key-0123456789abcdef";

export interface Workbench {
  browser: Browser;
  page: Page;
  /** `http://localhost:<port>` of the server process. */
  baseUrl: string;
  /** The seed's demo password-exchange request body (JSON). */
  demoBody: string;
  /** Every URL the page asked for. */
  requested: string[];
  /** The URLs that were not the local server (aborted). */
  external: string[];
  /** The page's console errors and uncaught exceptions. */
  consoleErrors: string[];
  /** Saves a screenshot of the page as test-artifacts/<prefix>-<name>.png. */
  shot(name: string): Promise<Buffer>;
  /** The CSP violations the page has reported since it was opened. */
  cspViolations(): Promise<string[]>;
  /** Stops the browser and the server, and removes the database. */
  close(): Promise<void>;
}

/**
 * Starts a server on a fresh database (seeded with the demo) and a headless Chromium page
 * that can reach only that server: any other request is recorded and aborted.
 */
export async function openWorkbench(options: {
  artifactPrefix: string;
  viewport?: { width: number; height: number };
}): Promise<Workbench> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "rulegate-console-"));
  const { done } = await startServer(
    { DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: ADMIN_KEY, RULE_WORKERS: "1" },
    /^curl .*$/m,
  );
  const { stdout } = await done;
  const baseUrl = `http://localhost:${portOf(stdout)}`;
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1366, height: 860 } });
  const requested: string[] = [];
  const external: string[] = [];
  const consoleErrors: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    requested.push(url);
    if (url.startsWith(`${baseUrl}/`)) return route.continue();
    external.push(url);
    return route.abort();
  });
  page.on("console", (message) => {
    // With the resource it is about, when there is one (a failed load names no URL in its text).
    const { url } = message.location();
    if (message.type() === "error") consoleErrors.push(url ? `${message.text()} (${url})` : message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  // Violations are reported to the page as events: collect them there, from the first script on.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) =>
      seen.push(
        `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} ${event.sample}`,
      ),
    );
  });
  return {
    browser,
    page,
    baseUrl,
    demoBody: demoRequestBody(stdout),
    requested,
    external,
    consoleErrors,
    shot: (name) => page.screenshot({ path: join(ARTIFACTS, `${options.artifactPrefix}-${name}.png`) }),
    cspViolations: () =>
      page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
    async close() {
      await browser.close();
      stopAllServers();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Replaces the editor's whole text as a user pasting does: select all, then a `paste`
 * event that CodeMirror handles. (Playwright's `insertText` would go through the browser's
 * own contenteditable editing, which writes a style attribute that CodeMirror then removes:
 * a CSP report no user action produces.) `editor` selects the editor's content (by default
 * the first one on the page, the password-exchange rule's).
 */
export async function replaceRule(page: Page, text: string, editor = ".cm-content") {
  const content = page.locator(editor).first();
  await content.click();
  await page.keyboard.press("Control+A");
  await content.evaluate((content, pasted) => {
    const clipboardData = new DataTransfer();
    clipboardData.setData("text/plain", pasted);
    content.dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true }));
  }, text);
}

/** Signs in with {@link ADMIN_KEY} on a freshly loaded `/console` and waits for the deployed rule. */
export async function signIn(workbench: Workbench) {
  const { page } = workbench;
  await page.goto(`${workbench.baseUrl}/console`);
  await page.fill("#api-key", ADMIN_KEY);
  await page.keyboard.press("Enter");
  await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
}

/** A real password exchange at the token endpoint, over HTTP. */
export function exchange(baseUrl: string, body: string): Promise<Response> {
  return fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}
