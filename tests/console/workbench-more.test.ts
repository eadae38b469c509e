/**
 * The rest of the rule workbench in a real Chromium against a real server process: the
 * live log's pause, resume and filters; blocking a user; the Enabled switch; a deploy the
 * server refuses; the keyboard alone; and a laptop's width. Where the workbench changes
 * what the token endpoint does, a real exchange over HTTP proves it. Each step leaves a
 * screenshot in test-artifacts/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import type { Page } from "playwright-core";
import { ADMIN_KEY, exchange, openWorkbench, replaceRule, signIn, type Workbench } from "./support.ts";

/** The claim the seeded rule adds to every access token. */
const DEMO_CLAIM = "https://foo.com/claim";
const SECOND_EMAIL = "second.user@example.com";
const SECOND_PASSWORD = "Second-user-passphrase-2026";

/** Valid JavaScript (the editor's check passes it) whose top-level code throws when loaded. */
const THROWS_AT_LOAD = `var region = undefined;
var limits = region.limits;
module.exports = function (user, client, scope, audience, context, cb) {
  cb(null, { scope: scope });
};
`;
/** Parses, but exports no function: only the server's compile check can tell. */
const EXPORTS_NO_FUNCTION = "module.exports = { plan: 'gold' };\n";

/** Real exchanges hash passwords on a busy machine: more than bun's default 5 s per test. */
const TEST_TIMEOUT_MS = 60_000;

let workbench: Workbench;
let page: Page;
let baseUrl: string;
let demo: Record<string, string>;
let secondUserId: string;

const shot = (name: string) => workbench.shot(name);
const management = (method: string, path: string, body?: unknown) =>
  fetch(`${baseUrl}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const exchangeAs = (username: string, password: string) =>
  exchange(baseUrl, JSON.stringify({ ...demo, username, password }));
const demoExchange = () => exchangeAs(demo.username!, demo.password!);
/** The seeded rule's claim in the access token of a real demo exchange (which must succeed). */
const ruleClaimOfExchange = async () => {
  const response = await demoExchange();
  expect(response.status).toBe(200);
  const { access_token } = (await response.json()) as { access_token: string };
  return decodeJwt(access_token)[DEMO_CLAIM];
};
const deployedRule = async () =>
  (await (await management("GET", "/rules/password-exchange")).json()) as {
    script: string;
    updated_at: string;
  };

/** The log rows shown, oldest first: type, user id and client id. */
const shownLogRows = () =>
  page.locator("#log-list li").evaluateAll((items) =>
    items.map((item) => {
      const spans = item.querySelectorAll("summary > span");
      return {
        type: (item as HTMLElement).dataset.type,
        userId: spans[3]?.getAttribute("title"),
        clientId: spans[4]?.getAttribute("title"),
      };
    }),
  );

/** How far the log list is scrolled from its bottom, in pixels. */
const distanceFromBottom = () =>
  page
    .locator("#log-list")
    .evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; fails after 40 presses. */
async function tabTo(selector: string, backwards = false) {
  for (let presses = 0; presses < 40; presses++) {
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

beforeAll(async () => {
  workbench = await openWorkbench({ artifactPrefix: "workbench" });
  ({ page, baseUrl } = workbench);
  demo = JSON.parse(workbench.demoBody);
  const created = await management("POST", "/users", {
    email: SECOND_EMAIL,
    password: SECOND_PASSWORD,
    connection: "Username-Password-Authentication",
  });
  expect(created.status).toBe(201);
  secondUserId = ((await created.json()) as { user_id: string }).user_id;
  await signIn(workbench);
});

afterAll(async () => {
  await workbench?.close();
});

describe("the workbench's live logs", () => {
  test(
    "events that arrived while another tab was open are shown at the bottom, and the list follows new ones",
    async () => {
      // The stream is followed from sign-in: these arrive while the Rule tab is open, and are
      // more than the list shows at once.
      const shownAtSignIn = await page.locator("#log-list li").count();
      for (let i = 0; i < 40; i++) expect((await demoExchange()).status).toBe(200);
      await page
        .locator("#log-list li")
        .nth(shownAtSignIn + 39)
        .waitFor({ state: "attached" });
      await page.click("#tabs button[data-view=logs-view]");
      const list = page.locator("#log-list");
      expect(await list.evaluate((element) => element.scrollHeight > element.clientHeight)).toBe(true);
      expect(await distanceFromBottom()).toBeLessThanOrEqual(24);

      expect((await demoExchange()).status).toBe(200);
      await page
        .locator("#log-list li")
        .nth(shownAtSignIn + 40)
        .waitFor();
      expect(await page.locator("#log-state").textContent()).toBe("● Live");
      expect(await distanceFromBottom()).toBeLessThanOrEqual(24);
      await shot("0-logs-following");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "scrolling up pauses the list and counts new events; Resume and scrolling back down show them",
    async () => {
      const list = page.locator("#log-list");
      await list.hover();
      await page.mouse.wheel(0, -5000);
      await page.waitForFunction(() => document.getElementById("log-list")!.scrollTop === 0);
      const shownBefore = await page.locator("#log-list li").count();
      expect((await demoExchange()).status).toBe(200);
      expect((await demoExchange()).status).toBe(200);
      await page.locator("#log-state", { hasText: "Paused: 2 new event(s)" }).waitFor();
      expect(await page.locator("#log-list li").count()).toBe(shownBefore);
      expect(await list.evaluate((element) => element.scrollTop)).toBe(0);
      await shot("1-logs-paused");

      await page.getByRole("button", { name: "Resume" }).click();
      await page.locator("#log-state", { hasText: "Live" }).waitFor();
      expect(await page.locator("#log-list li").count()).toBe(shownBefore + 2);
      expect(await page.isVisible("#log-resume")).toBe(false);
      expect(await distanceFromBottom()).toBeLessThanOrEqual(24);
      await shot("2-logs-resumed");

      await list.hover();
      await page.mouse.wheel(0, -5000);
      await page.waitForFunction(() => document.getElementById("log-list")!.scrollTop === 0);
      expect((await demoExchange()).status).toBe(200);
      await page.locator("#log-state", { hasText: "Paused: 1 new event(s)" }).waitFor();
      await page.mouse.wheel(0, 100_000);
      await page.locator("#log-state", { hasText: "Live" }).waitFor();
      expect(await page.locator("#log-list li").count()).toBe(shownBefore + 3);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "the type, user and client filters narrow the list, also for events that arrive live",
    async () => {
      expect((await exchangeAs(demo.username!, "not-the-password")).status).toBe(400);
      expect((await exchangeAs(SECOND_EMAIL, SECOND_PASSWORD)).status).toBe(200);

      await page.getByLabel("Type").selectOption("fepft");
      await page.locator("#log-list li").first().waitFor();
      await page.locator("#log-state", { hasText: "Live" }).waitFor();
      expect(new Set((await shownLogRows()).map((row) => row.type))).toEqual(new Set(["fepft"]));
      expect((await demoExchange()).status).toBe(200);
      expect((await exchangeAs(demo.username!, "still-not-the-password")).status).toBe(400);
      await page.locator("#log-list li").nth(1).waitFor();
      expect((await shownLogRows()).map((row) => row.type)).toEqual(["fepft", "fepft"]);
      await shot("3-logs-by-type");

      await page.getByLabel("Type").selectOption("");
      await page.getByLabel("User id").fill(secondUserId);
      await page.getByLabel("User id").press("Enter");
      await page.locator("#log-state", { hasText: "Live" }).waitFor();
      await page.locator("#log-list li").first().waitFor();
      expect((await shownLogRows()).map((row) => row.userId)).toEqual([secondUserId]);
      expect((await demoExchange()).status).toBe(200);
      expect((await exchangeAs(SECOND_EMAIL, SECOND_PASSWORD)).status).toBe(200);
      await page.locator("#log-list li").nth(1).waitFor();
      expect((await shownLogRows()).map((row) => row.userId)).toEqual([secondUserId, secondUserId]);
      await shot("4-logs-by-user");

      await page.getByLabel("User id").fill("");
      await page.getByLabel("Client id").fill(demo.client_id!);
      await page.getByRole("button", { name: "Apply" }).click();
      await page.locator("#log-state", { hasText: "Live" }).waitFor();
      await page.locator("#log-list li").nth(19).waitFor();
      expect(new Set((await shownLogRows()).map((row) => row.clientId))).toEqual(new Set([demo.client_id]));

      await page.getByLabel("Client id").fill("no-such-client");
      await page.getByLabel("Client id").press("Enter");
      await page.locator("#log-state", { hasText: "Live" }).waitFor();
      expect((await demoExchange()).status).toBe(200);
      // The stream delivers within a second (browser.test.ts): give it that long to show anything.
      await page.waitForTimeout(1000);
      expect(await page.locator("#log-list li").count()).toBe(0);
      await shot("5-logs-by-unknown-client");

      await page.getByLabel("Client id").fill("");
      await page.getByLabel("Client id").press("Enter");
      await page.locator("#log-list li").first().waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});

describe("the workbench's users", () => {
  test(
    "search narrows the list; a blocked user's real exchange is refused, and works again after unblock",
    async () => {
      await page.getByRole("button", { name: "Users" }).click();
      await page.locator("#users-status", { hasText: "2 users" }).waitFor();
      await page.getByLabel("Search").fill("second");
      await page.locator("#users-status", { hasText: "1 of 2 users" }).waitFor();
      expect(await page.locator("#users-rows tr").count()).toBe(1);
      expect(await page.locator("#users-rows").textContent()).toContain(SECOND_EMAIL);
      await shot("6-users-search");

      await page.getByRole("button", { name: `Block ${SECOND_EMAIL}` }).click();
      await page.locator("#users-status", { hasText: `${SECOND_EMAIL} blocked.` }).waitFor();
      expect(await page.locator("#users-rows .badge").textContent()).toBe("blocked");
      await shot("7-user-blocked");
      const refused = await exchangeAs(SECOND_EMAIL, SECOND_PASSWORD);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error: "invalid_grant", error_description: "user is blocked" });
      // Only that user: the other one still signs in.
      expect((await demoExchange()).status).toBe(200);

      await page.getByRole("button", { name: `Unblock ${SECOND_EMAIL}` }).click();
      await page.locator("#users-status", { hasText: `${SECOND_EMAIL} unblocked.` }).waitFor();
      expect(await page.locator("#users-rows .badge").textContent()).toBe("active");
      expect((await exchangeAs(SECOND_EMAIL, SECOND_PASSWORD)).status).toBe(200);
      await shot("8-user-unblocked");

      await page.getByLabel("Search").fill("");
      await page.locator("#users-status", { hasText: "2 users" }).waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});

describe("the workbench's rule switch and refused deploys", () => {
  test(
    "Enabled off: a real exchange carries no rule claim; on again: the claim is back",
    async () => {
      await page.getByRole("button", { name: "Rule", exact: true }).click();
      const enabled = page.getByLabel("Enabled");
      expect(await enabled.isChecked()).toBe(true);
      expect(await ruleClaimOfExchange()).toBe("bar");

      await enabled.uncheck();
      await page.locator("#rule-status", { hasText: "(disabled)" }).waitFor();
      expect(await enabled.isChecked()).toBe(false);
      await shot("9-rule-disabled");
      expect(await ruleClaimOfExchange()).toBeUndefined();

      await enabled.check();
      await page.waitForFunction(
        () => !document.getElementById("rule-status")!.textContent!.includes("disabled"),
      );
      expect(await page.locator("#rule-status").textContent()).toStartWith("Deployed");
      expect(await ruleClaimOfExchange()).toBe("bar");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a deploy the server refuses shows its error in the page and leaves the deployed version as it was",
    async () => {
      const before = await deployedRule();
      for (const [step, script, expected] of [
        ["10-refused-throws-at-load", THROWS_AT_LOAD, /^Not deployed: The rule does not compile: .*limits/],
        [
          "11-refused-no-function",
          EXPORTS_NO_FUNCTION,
          /^Not deployed: The rule does not compile: .*function/,
        ],
      ] as const) {
        await replaceRule(page, script);
        await page.locator("#rule-status", { hasText: "Unsaved changes" }).waitFor();
        // The editor's own check finds nothing: only the server can refuse this one.
        await page.waitForTimeout(400);
        expect(await page.locator("#rule-problem").textContent()).toBe("");
        await page.getByRole("button", { name: "Deploy…" }).click();
        await page.getByRole("dialog").waitFor();
        await page.getByRole("dialog").getByRole("button", { name: "Deploy" }).click();
        const problem = page.locator("#deploy-problem:not(:empty)");
        await problem.waitFor();
        expect(await problem.textContent()).toMatch(expected);
        expect(await page.getByRole("dialog").isVisible()).toBe(true);
        await shot(step);
        await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
        await page.getByRole("dialog").waitFor({ state: "hidden" });
        expect(await page.locator("#rule-status").textContent()).toBe("● Unsaved changes");
        expect(await deployedRule()).toEqual(before);
      }
      expect(await ruleClaimOfExchange()).toBe("bar");

      page.once("dialog", (question) => void question.accept());
      await page.getByRole("button", { name: "Revert" }).click();
      await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
      expect(await page.locator(".cm-content").first().textContent()).toContain(DEMO_CLAIM);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("the workbench without a mouse", () => {
  test(
    "sign in, switch tabs, try with Ctrl+Enter, cancel and confirm a deploy: all from the keyboard",
    async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.locator("#sign-in-view").waitFor({ state: "visible" });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("api-key");
      await page.keyboard.type(ADMIN_KEY);
      await page.keyboard.press("Enter");
      await page.locator("#rule-status", { hasText: "Deployed" }).waitFor();
      const before = await deployedRule();

      await tabTo("#tabs button[data-view=logs-view]");
      await page.keyboard.press("Enter");
      await page.locator("#logs-view").waitFor({ state: "visible" });
      expect(await page.isVisible("#rule-view")).toBe(false);
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Enter");
      await page.locator("#rule-view").waitFor({ state: "visible" });
      expect(await page.getByRole("button", { name: "Rule", exact: true }).getAttribute("aria-current")).toBe(
        "page",
      );

      await tabTo(".cm-content");
      await page.keyboard.press("Control+Enter");
      await page.locator("#try-summary", { hasText: "A token would be issued" }).waitFor();
      expect(JSON.parse((await page.locator("#try-claims").textContent()) ?? "{}")[DEMO_CLAIM]).toBe("bar");
      await shot("12-keyboard-tried");

      await tabTo("#rule-deploy", true);
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("rule-deploy");

      await page.keyboard.press("Enter");
      await dialog.waitFor();
      await tabTo("#deploy-cancel");
      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "hidden" });
      expect(await deployedRule()).toEqual(before);

      await page.keyboard.press("Enter");
      await dialog.waitFor();
      expect(await page.locator("#deploy-summary").textContent()).toStartWith(
        "No changes against the deployed version",
      );
      await tabTo("#deploy-confirm");
      await shot("13-keyboard-deploy");
      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "hidden" });
      const after = await deployedRule();
      expect(after.script).toBe(before.script);
      expect(after.updated_at).not.toBe(before.updated_at);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "every form control has an accessible name, on every tab and in the deploy dialog",
    async () => {
      // Unnamed controls appear in the accessibility tree as a bare role ("- textbox").
      const unnamed = async () =>
        (await page.locator("body").ariaSnapshot())
          .split("\n")
          .filter((line) =>
            /^\s*- (textbox|searchbox|checkbox|combobox|button|switch|radio)\b(?! ")/.test(line),
          );
      for (const view of ["rule-view", "logs-view", "users-view", "clients-view", "apis-view"]) {
        await page.click(`#tabs button[data-view=${view}]`);
        await page.locator(`#${view}`).waitFor({ state: "visible" });
        expect({ view, unnamed: await unnamed() }).toEqual({ view, unnamed: [] });
      }
      await page.getByRole("button", { name: "Rule", exact: true }).click();
      await page.getByRole("button", { name: "Deploy…" }).click();
      await page.getByRole("dialog").waitFor();
      expect(await unnamed()).toEqual([]);
      await page.keyboard.press("Escape");

      // And by the names a screen reader announces.
      await page.getByRole("textbox", { name: "Rule source (JavaScript)" }).waitFor();
      await page.getByRole("checkbox", { name: "Enabled" }).waitFor();
      await page.getByLabel("Sample input").waitFor();
      await page.getByRole("textbox", { name: "Name" }).waitFor();
      // The Rules tab has a configuration value field too (hidden here, but a label matches it).
      await page.locator("#rule-view").getByLabel("Value").waitFor();
      await page.getByRole("button", { name: "Try", exact: true }).waitFor();
      await page.getByRole("button", { name: "Live logs" }).click();
      await page.getByRole("combobox", { name: "Type" }).waitFor();
      await page.getByRole("textbox", { name: "User id" }).waitFor();
      await page.getByRole("textbox", { name: "Client id" }).waitFor();
      await page.getByRole("button", { name: "Users" }).click();
      await page.getByRole("searchbox", { name: "Search" }).waitFor();
      await page.getByRole("button", { name: `Block ${SECOND_EMAIL}` }).waitFor();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Management API key").waitFor();
      expect(await unnamed()).toEqual([]);
      await signIn(workbench);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("the workbench at a laptop's width", () => {
  test(
    "at 1280×800 no tab overflows horizontally",
    async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      const overflow = () => page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
      for (const view of ["rule-view", "logs-view", "users-view", "clients-view", "apis-view"]) {
        await page.click(`#tabs button[data-view=${view}]`);
        await page.locator(`#${view}`).waitFor({ state: "visible" });
        if (view !== "rule-view" && view !== "logs-view")
          await page.locator(`#${view} tbody tr`).first().waitFor();
        await shot(`14-laptop-${view}`);
        expect({ view, overflow: Math.max(0, await overflow()) }).toEqual({ view, overflow: 0 });
      }
      // An event opened in the log shows its whole JSON without widening the page.
      await page.click("#tabs button[data-view=logs-view]");
      await page.locator("#log-list li summary").last().click();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await shot("15-laptop-log-event");
    },
    TEST_TIMEOUT_MS,
  );
});

describe("the workbench's boundaries", () => {
  test(
    "nothing left localhost, and no CSP violation or error",
    async () => {
      expect(workbench.requested.length).toBeGreaterThan(5);
      expect(workbench.external).toEqual([]);
      expect(workbench.requested.filter((url) => url.includes(ADMIN_KEY))).toEqual([]);
      expect(await workbench.cspViolations()).toEqual([]);
      // The refused deploys are 400s the browser reports as failed resource loads: those are expected.
      expect(workbench.consoleErrors.filter((text) => !/status of 400/.test(text))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
