/**
 * The workbench's Actions tab (Auth0 Actions) in a real Chromium against a real server process:
 * create an action, a syntax error marked at its line and refused there by the server, save, a
 * secret that never comes back to the page, test the draft (its console line and claim), a
 * deploy refused for code that does not load, deploy, undeployed changes, roll back, bind two
 * actions and reorder them, a real password exchange carrying the bound actions' claims, a
 * credentials-exchange action, and deleting a bound action.
 * What the page did is checked through the API. Each step leaves a screenshot in test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import type { Dialog, Page } from "playwright-core";
import { ADMIN_KEY, exchange, openWorkbench, replaceRule, signIn, type Workbench } from "./support.ts";

const TIER_CLAIM = "https://rulegate.test/tier";
const REGION_CLAIM = "https://rulegate.test/region";
/** A secret's value: the action reads it, and nothing of it may reach the page. */
const TIER_SECRET = "tier-secret-never-shown-4b81d2";

/** The first action, with a syntax error on line 3 (the `;` where a value belongs). */
const BROKEN_TIER_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  console.log('tier action for ' + event.user.email);
  api.accessToken.setCustomClaim('${TIER_CLAIM}', event.secrets.TIER ? 'tier-set' : );
};
`;
const TIER_ACTION = BROKEN_TIER_ACTION.replace(": );", ": 'tier-unset');");
/** Where the `)` is, 1-based, as the server and the editor count. */
const BROKEN_LINE = 3;
const BROKEN_COLUMN = BROKEN_TIER_ACTION.split("\n")[BROKEN_LINE - 1]!.indexOf(": )") + 3;
/** The same action, edited after its first deploy. */
const TIER_ACTION_V2 = TIER_ACTION.replace("tier action for", "tier action (v2) for");
/** Code that parses but throws as it loads, on its line 2. */
const THROWING_ACTION = `exports.onExecutePostLogin = async () => {};
throw new Error('tier does not load');
`;

const REGION_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  console.log('region action sees ' + event.user.email);
  api.accessToken.setCustomClaim('${REGION_CLAIM}', 'eu');
};
`;

/** Real exchanges hash passwords and actions run in hosts on a busy machine: more than 5 s. */
const TEST_TIMEOUT_MS = 60_000;

interface StoredAction {
  id: string;
  name: string;
  code: string;
  all_changes_deployed: boolean;
  secrets: { name: string }[];
  deployed_version?: { number: number; code: string };
}

let workbench: Workbench;
let page: Page;
let baseUrl: string;

const shot = (name: string) => workbench.shot(name);
const management = (method: string, path: string, body?: unknown) =>
  fetch(`${baseUrl}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
/** The actions as the API has them, by name. */
const storedActions = async () => {
  const { actions } = (await (await management("GET", "/actions/actions")).json()) as {
    actions: StoredAction[];
  };
  return new Map(actions.map((action) => [action.name, action]));
};
const stored = async (name: string) => {
  const action = (await storedActions()).get(name);
  if (!action) throw new Error(`no action ${name}`);
  return action;
};
/** The names of the actions bound to post-login, in order, as the API has them. */
const boundNames = async () => {
  const { bindings } = (await (await management("GET", "/actions/triggers/post-login/bindings")).json()) as {
    bindings: { action: { name: string } }[];
  };
  return bindings.map((binding) => binding.action.name);
};
const pasteAction = (text: string) => replaceRule(page, text, "#action-editor .cm-content");
/** The list's row of one action. */
const listRow = (name: string) =>
  page.locator("#actions-rows tr", { has: page.getByRole("button", { name: `Edit ${name}`, exact: true }) });
/** The editor's last outcome: saved, deployed, or the server's refusal. */
const message = () => page.locator("#action-message").textContent();

async function createAction(name: string, trigger = "post-login") {
  await page.getByLabel("New action").fill(name);
  await page.locator("#action-new-trigger").selectOption(trigger);
  await page.getByRole("button", { name: "Create action" }).click();
  await page.locator("#actions-status", { hasText: `Created ${name}.` }).waitFor();
  await page.locator("#action-title", { hasText: `${name} · ${trigger}` }).waitFor();
}

beforeAll(async () => {
  workbench = await openWorkbench({ artifactPrefix: "auth0-actions" });
  ({ page, baseUrl } = workbench);
  await signIn(workbench);
});

afterAll(async () => {
  await workbench?.close();
});

describe("the workbench's Actions tab", () => {
  test("the tab loads nothing until it is opened; then it lists no action and no editor", async () => {
    expect(workbench.requested.filter((url) => url.includes("/api/v2/actions"))).toEqual([]);
    await page.getByRole("button", { name: "Actions", exact: true }).click();
    await page.locator("#actions-view").waitFor({ state: "visible" });
    await page.locator("#actions-status", { hasText: "0 actions" }).waitFor();
    expect(await page.locator("#actions-rows").textContent()).toContain("No actions yet");
    expect(await page.isVisible("#action-editing")).toBe(false);
    await page.locator("#bindings-status", { hasText: "post-login runs no action." }).waitFor();
    await shot("1-empty");
  });

  test(
    "a new action starts from its trigger's template; a syntax error is marked at its line and refused there by the server; fixed, it is saved",
    async () => {
      await createAction("tier");
      const created = await stored("tier");
      expect(created.code).toBe("exports.onExecutePostLogin = async (event, api) => {\n};\n");
      expect(created.deployed_version).toBeUndefined();
      expect(await page.locator("#action-status").textContent()).toBe("Saved · not deployed");
      expect(await listRow("tier").locator("td").allTextContents()).toEqual([
        "tier",
        "post-login",
        "—",
        "not deployed",
        "Delete",
      ]);

      await pasteAction(BROKEN_TIER_ACTION);
      await page.locator("#action-status", { hasText: "● Unsaved changes" }).waitFor();
      const problem = page.locator("#action-problem:not(:empty)");
      await problem.waitFor();
      expect(await problem.textContent()).toStartWith(
        `Line ${BROKEN_LINE}, column ${BROKEN_COLUMN}: SyntaxError: Unexpected token`,
      );
      const markedLine = () =>
        page.evaluate(
          () =>
            Array.from(document.querySelectorAll("#action-editor .cm-line")).findIndex((line) =>
              line.querySelector(".cm-lintRange-error"),
            ) + 1,
        );
      expect(await markedLine()).toBe(BROKEN_LINE);

      await page.getByRole("button", { name: "Save draft" }).click();
      await page.locator("#action-message", { hasText: "Not saved" }).waitFor();
      expect(await message()).toBe(
        `Not saved: The action's code does not compile: SyntaxError: Unexpected token (line ${BROKEN_LINE}, column ${BROKEN_COLUMN})`,
      );
      expect((await stored("tier")).code).toBe(created.code);
      await shot("2-syntax-error");

      await pasteAction(TIER_ACTION);
      await page.locator("#action-problem:empty").waitFor({ state: "attached" });
      await page.getByRole("button", { name: "Save draft" }).click();
      await page.locator("#action-message", { hasText: "Draft saved." }).waitFor();
      expect((await stored("tier")).code).toBe(TIER_ACTION);
      expect(await page.locator("#action-status").textContent()).toBe("Saved · not deployed");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a secret is set by name, never shown back, and removed",
    async () => {
      await page.getByLabel("Secret name").fill("OLD");
      await page.getByLabel("Secret value").fill("old-value");
      await page.getByRole("button", { name: "Set secret" }).click();
      await page.locator("#action-secret-message", { hasText: "Set OLD." }).waitFor();
      await page.getByLabel("Secret name").fill("TIER");
      await page.getByLabel("Secret value").fill(TIER_SECRET);
      await page.getByRole("button", { name: "Set secret" }).click();
      await page.locator("#action-secret-message", { hasText: "Set TIER." }).waitFor();
      expect(await page.locator("#action-secret-list code").allTextContents()).toEqual(["OLD", "TIER"]);
      expect(await page.inputValue("#action-secret-value")).toBe("");

      await page.getByRole("button", { name: "Remove the secret OLD" }).click();
      await page.locator("#action-secret-message", { hasText: "Removed OLD." }).waitFor();
      expect(await page.locator("#action-secret-list code").allTextContents()).toEqual(["TIER"]);
      expect((await stored("tier")).secrets.map((secret) => secret.name)).toEqual(["TIER"]);
      // The code is untouched by a change of the secrets.
      expect((await stored("tier")).code).toBe(TIER_ACTION);

      await page.reload();
      await page.getByRole("button", { name: "Actions", exact: true }).click();
      await page.getByRole("button", { name: "Edit tier" }).click();
      await page.locator("#action-secret-list code", { hasText: "TIER" }).waitFor();
      expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(TIER_SECRET);
      await shot("3-secret");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "the draft is tested on its trigger's sample event: its console line and its claim, read from the secret",
    async () => {
      // Opening the action filled the payload with its trigger's sample event (once the audience is read).
      await page.waitForFunction(() =>
        document.querySelector<HTMLTextAreaElement>("#action-test-input")?.value.startsWith("{"),
      );
      const payload = JSON.parse(await page.inputValue("#action-test-input"));
      expect(payload.user.email).toBe("user@example.com");
      expect(payload.transaction.protocol).toBe("oauth2-password");
      expect(payload.tenant).toBeUndefined();

      await page.getByRole("button", { name: "Test the draft" }).click();
      await page.locator("#action-test-summary", { hasText: "a token would be issued" }).waitFor();
      expect(await page.locator("#action-test-console").textContent()).toBe(
        "tier action for user@example.com\n",
      );
      const claims = JSON.parse((await page.locator("#action-test-claims").textContent()) ?? "{}");
      expect(claims[TIER_CLAIM]).toBe("tier-set");
      expect(await page.locator("#action-test-metadata").textContent()).toBe("(nothing would be written)");

      // An edited payload: the draft sees it.
      await page.fill(
        "#action-test-input",
        JSON.stringify({ ...payload, user: { ...payload.user, email: "other@example.com" } }),
      );
      // Ctrl+Enter in the editor saves the draft first, then tests it.
      await pasteAction(TIER_ACTION.replace("tier action for", "draft tier action for"));
      await page.keyboard.press("Control+Enter");
      await page
        .locator("#action-test-console", { hasText: "draft tier action for other@example.com" })
        .waitFor();
      expect((await stored("tier")).code).toContain("draft tier action for");
      expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(TIER_SECRET);
      await shot("4-tested");

      await page.getByRole("button", { name: "Reset payload" }).click();
      expect(JSON.parse(await page.inputValue("#action-test-input")).user.email).toBe("user@example.com");
      await page.fill("#action-test-input", "{ not json");
      await page.getByRole("button", { name: "Test the draft" }).click();
      await page.locator("#action-test-summary", { hasText: "The payload is not valid JSON" }).waitFor();
      await page.getByRole("button", { name: "Reset payload" }).click();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "code that does not load is refused at deploy with its line; the fixed draft deploys as version 1",
    async () => {
      await pasteAction(THROWING_ACTION);
      await page.getByRole("button", { name: "Deploy" }).click();
      await page.locator("#action-message", { hasText: "Not deployed" }).waitFor();
      expect(await message()).toMatch(
        /^Not deployed: The action's code does not load: .*tier does not load.* \(line 2(, column \d+)?\)$/,
      );
      await page.locator("#action-problem", { hasText: "Line 2" }).waitFor();
      expect((await stored("tier")).deployed_version).toBeUndefined();
      await shot("5-deploy-refused");

      await pasteAction(TIER_ACTION);
      await page.getByRole("button", { name: "Deploy" }).click();
      await page.locator("#action-message", { hasText: "Deployed version 1." }).waitFor();
      // The server's mark was for the code it refused: the fixed draft has none.
      await page.locator("#action-problem:empty").waitFor({ state: "attached" });
      const deployed = await stored("tier");
      expect(deployed.deployed_version).toMatchObject({ number: 1, code: TIER_ACTION });
      expect(deployed.all_changes_deployed).toBe(true);
      expect(await page.locator("#action-status").textContent()).toBe("Saved · version 1 deployed");
      await listRow("tier").locator("td", { hasText: "version 1" }).waitFor();
      expect(await listRow("tier").locator("td").nth(3).textContent()).toBe("deployed");
      await page.locator("#action-versions li strong", { hasText: "Version 1" }).waitFor();
      expect(await page.locator("#action-versions li strong").allTextContents()).toEqual(["Version 1"]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "an edit saved is an undeployed change; deployed, it is version 2; rolled back, version 1's code runs again",
    async () => {
      await pasteAction(TIER_ACTION_V2);
      await page.getByRole("button", { name: "Save draft" }).click();
      await page.locator("#action-message", { hasText: "Draft saved." }).waitFor();
      await listRow("tier").locator(".badge", { hasText: "undeployed changes" }).waitFor();
      expect(await page.locator("#action-status").textContent()).toBe(
        "Saved · version 1 deployed · undeployed changes",
      );
      expect((await stored("tier")).all_changes_deployed).toBe(false);
      await shot("6-undeployed-changes");

      await page.getByRole("button", { name: "Deploy" }).click();
      await page.locator("#action-message", { hasText: "Deployed version 2." }).waitFor();
      await page.locator("#action-versions li strong", { hasText: "Version 2" }).waitFor();
      expect((await stored("tier")).deployed_version?.code).toBe(TIER_ACTION_V2);

      page.once("dialog", (question) => void question.dismiss());
      await page.getByRole("button", { name: "Roll back to version 1" }).click();
      expect((await stored("tier")).deployed_version?.number).toBe(2);

      page.once("dialog", (question) => {
        expect(question.message()).toContain("version 1");
        void question.accept();
      });
      await page.getByRole("button", { name: "Roll back to version 1" }).click();
      await page
        .locator("#action-versions-message", { hasText: "version 3 runs version 1's code" })
        .waitFor();
      const rolledBack = await stored("tier");
      expect(rolledBack.deployed_version).toMatchObject({ number: 3, code: TIER_ACTION });
      // Auth0's roll back leaves the draft: it is now a change against what runs.
      expect(rolledBack.code).toBe(TIER_ACTION_V2);
      expect(rolledBack.all_changes_deployed).toBe(false);
      await page.locator("#action-status", { hasText: "version 3 deployed · undeployed changes" }).waitFor();
      await page.locator("#action-versions li strong", { hasText: "Version 3" }).waitFor();
      expect(await page.locator("#action-versions li strong").allTextContents()).toEqual([
        "Version 3",
        "Version 2",
        "Version 1",
      ]);
      await listRow("tier").locator("td", { hasText: "version 3" }).waitFor();
      await shot("7-rolled-back");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "two actions are bound, reordered and saved; a real password exchange carries both claims",
    async () => {
      await createAction("region");
      await pasteAction(REGION_ACTION);
      await page.getByRole("button", { name: "Deploy" }).click();
      await page.locator("#action-message", { hasText: "Deployed version 1." }).waitFor();

      const addable = () => page.locator("#bindings-add option").allTextContents();
      await page.waitForFunction(() => document.querySelectorAll("#bindings-add option").length === 2);
      expect((await addable()).sort()).toEqual(["region", "tier"]);
      await page.getByLabel("Deployed action").selectOption({ label: "tier" });
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.getByLabel("Deployed action").selectOption({ label: "region" });
      await page.getByRole("button", { name: "Add", exact: true }).click();
      expect(await addable()).toEqual(["(no other deployed action)"]);
      expect(await page.locator("#bindings-status").textContent()).toBe(
        "● Unsaved: post-login runs tier, then region.",
      );
      expect(await boundNames()).toEqual([]);
      await page.getByRole("button", { name: "Save bindings" }).click();
      await page
        .locator("#bindings-status", { hasText: /^Saved: post-login runs tier, then region\.$/ })
        .waitFor();
      expect(await boundNames()).toEqual(["tier", "region"]);

      await page.getByRole("button", { name: "Move region up" }).click();
      expect(await page.locator("#bindings-list .name").allTextContents()).toEqual(["region", "tier"]);
      expect(await page.getByRole("button", { name: "Move region up" }).isDisabled()).toBe(true);
      expect(await page.getByRole("button", { name: "Move tier down" }).isDisabled()).toBe(true);
      await page.getByRole("button", { name: "Save bindings" }).click();
      await page
        .locator("#bindings-status", { hasText: /^Saved: post-login runs region, then tier\.$/ })
        .waitFor();
      expect(await boundNames()).toEqual(["region", "tier"]);
      await shot("8-bindings");

      const response = await exchange(baseUrl, workbench.demoBody);
      expect(response.status).toBe(200);
      const { access_token } = (await response.json()) as { access_token: string };
      const claims = decodeJwt(access_token);
      // tier runs its deployed version (the roll back's), with its secret.
      expect(claims[TIER_CLAIM]).toBe("tier-set");
      expect(claims[REGION_CLAIM]).toBe("eu");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "every control of the tab has an accessible name, and nothing overflows at 1280×800",
    async () => {
      const unnamed = (await page.locator("body").ariaSnapshot())
        .split("\n")
        .filter((line) =>
          /^\s*- (textbox|searchbox|checkbox|combobox|button|switch|radio)\b(?! ")/.test(line),
        );
      expect(unnamed).toEqual([]);
      await page.setViewportSize({ width: 1280, height: 800 });
      const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
      await shot("9-laptop");
      expect(Math.max(0, overflow)).toBe(0);
      await page.setViewportSize({ width: 1366, height: 860 });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a credentials-exchange action starts from its handler's template and is tested on that trigger's sample event",
    async () => {
      await createAction("machine", "credentials-exchange");
      expect((await stored("machine")).code).toBe(
        "exports.onExecuteCredentialsExchange = async (event, api) => {\n};\n",
      );
      await page.waitForFunction(() =>
        document
          .querySelector<HTMLTextAreaElement>("#action-test-input")
          ?.value.includes("client_credentials"),
      );
      const payload = JSON.parse(await page.inputValue("#action-test-input"));
      expect(payload.user).toBeUndefined();
      expect(payload.request.body.grant_type).toBe("client_credentials");
      await page.getByRole("button", { name: "Test the draft" }).click();
      await page.locator("#action-test-summary", { hasText: "machine: a token would be issued" }).waitFor();
      expect(await page.locator("#action-test-console").textContent()).toBe("(no output)");
      // No ID token on a client credentials exchange.
      expect(await page.isVisible("#action-test-id-token")).toBe(false);

      // Not deployed: the other trigger's bindings have nothing to add.
      await page.getByLabel("Trigger", { exact: true }).nth(1).selectOption("credentials-exchange");
      await page.locator("#bindings-status", { hasText: "credentials-exchange runs no action." }).waitFor();
      expect(await page.locator("#bindings-add option").allTextContents()).toEqual([
        "(no other deployed action)",
      ]);
      await page.getByLabel("Trigger", { exact: true }).nth(1).selectOption("post-login");
      await page.locator("#bindings-status", { hasText: "post-login runs region, then tier." }).waitFor();

      page.once("dialog", (question) => void question.accept());
      await page.getByRole("button", { name: "Delete machine" }).click();
      await page.locator("#actions-status", { hasText: "Deleted machine." }).waitFor();
      expect((await storedActions()).has("machine")).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "deleting asks first; a bound action asks again whether to unbind it, and is then gone from its trigger",
    async () => {
      await page.getByRole("button", { name: "Edit region" }).click();
      await page.locator("#action-title", { hasText: "region · post-login" }).waitFor();
      page.once("dialog", (question) => void question.dismiss());
      await page.getByRole("button", { name: "Delete region" }).click();
      expect((await storedActions()).has("region")).toBe(true);

      // Confirmed once: the server refuses a bound action (409); the second question is declined.
      const questions: string[] = [];
      const answer = (accept: boolean[]) => {
        const handler = (question: Dialog) => {
          questions.push(question.message());
          void (accept[questions.length - 1] ? question.accept() : question.dismiss());
          if (questions.length === accept.length) page.off("dialog", handler);
        };
        page.on("dialog", handler);
      };
      answer([true, false]);
      await page.getByRole("button", { name: "Delete region" }).click();
      await page.locator("#actions-status", { hasText: "Kept region." }).waitFor();
      expect(questions).toHaveLength(2);
      expect(questions[1]).toContain("bound to the post-login trigger");
      expect((await storedActions()).has("region")).toBe(true);

      questions.length = 0;
      answer([true, true]);
      await page.getByRole("button", { name: "Delete region" }).click();
      await page.locator("#actions-status", { hasText: "Deleted region." }).waitFor();
      expect([...(await storedActions()).keys()]).toEqual(["tier"]);
      expect(await boundNames()).toEqual(["tier"]);
      await page.locator("#bindings-status", { hasText: "post-login runs tier." }).waitFor();
      // region was in the editor: nothing is edited now.
      expect(await page.isVisible("#action-editing")).toBe(false);
      await shot("10-deleted");
    },
    TEST_TIMEOUT_MS,
  );

  test("nothing left localhost, the key never went into a URL, and no CSP violation or error", async () => {
    expect(workbench.external).toEqual([]);
    expect(workbench.requested.filter((url) => url.includes(ADMIN_KEY))).toEqual([]);
    expect(await workbench.cspViolations()).toEqual([]);
    // The refused save and deploy are 400s, the refused delete a 409: failed resource loads.
    expect(workbench.consoleErrors.filter((text) => !/status of (400|409)/.test(text))).toEqual([]);
  });
});
