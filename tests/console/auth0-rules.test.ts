/**
 * The workbench's Rules tab (Auth0 rules) in a real Chromium against a real server process:
 * create a rule (a compile error at its line and column first), a second one, reorder and
 * disable them, a configuration value that never comes back to the page, try the draft and
 * the enabled rules (each rule's time and console lines, the claims, scope and metadata),
 * delete with a confirmation. What the page did is checked through the API, and a real
 * exchange carries the rules' claims. Each step leaves a screenshot in test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import type { Page } from "playwright-core";
import { ADMIN_KEY, exchange, openWorkbench, replaceRule, signIn, type Workbench } from "./support.ts";

const TIER_CLAIM = "https://rulegate.test/tier";
const REGION_CLAIM = "https://rulegate.test/region";
/** A configuration value: the rule reads it, and nothing of it may reach the page. */
const TIER_VALUE = "tier-value-never-shown-7f3a9c";

/** The first rule, with a syntax error on line 3 (the `;` where a value belongs). */
const BROKEN_TIER_RULE = `function (user, context, callback) {
  console.log('tier rule for ' + user.email);
  context.accessToken['${TIER_CLAIM}'] = configuration.TIER ? 'tier-set' : ;
  callback(null, user, context);
}
`;
const TIER_RULE = BROKEN_TIER_RULE.replace(": ;", ": 'tier-unset';");
/** Where the `;` is, 1-based, as the server and the editor count. */
const BROKEN_LINE = 3;
const BROKEN_COLUMN = BROKEN_TIER_RULE.split("\n")[BROKEN_LINE - 1]!.indexOf(": ;") + 3;

const REGION_RULE = `function addRegion(user, context, callback) {
  console.log('region rule sees tier ' + context.accessToken['${TIER_CLAIM}']);
  context.idToken['${REGION_CLAIM}'] = 'eu';
  context.accessToken.scope = ['read:sample', 'read:region'];
  user.app_metadata.region = 'eu';
  auth0.users.updateAppMetadata(user.user_id, user.app_metadata)
    .then(function () { callback(null, user, context); })
    .catch(callback);
}
`;

/** A draft that refuses the token, as Auth0's rules do. */
const DENYING_RULE = `function (user, context, callback) {
  console.log('denying ' + user.email);
  callback(new UnauthorizedError('no tier for ' + user.email));
}
`;

/** Real exchanges hash passwords and rules run in hosts on a busy machine: more than 5 s. */
const TEST_TIMEOUT_MS = 60_000;

interface StoredRule {
  id: string;
  name: string;
  script: string;
  order: number;
  enabled: boolean;
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
/** The rules as the API has them, by name. */
const storedRules = async () => {
  const rules = (await (await management("GET", "/rules")).json()) as StoredRule[];
  return new Map(rules.map((rule) => [rule.name, rule]));
};
/** The rule names the list shows, top to bottom. */
const listedNames = () => page.locator("#auth0-rules-rows button.link").allTextContents();
const pasteRule = (text: string) => replaceRule(page, text, "#auth0-rule-editor .cm-content");
/** Saves what the editor holds through the confirmation dialog, and waits for it to close. */
async function saveThroughDialog() {
  await page.getByRole("button", { name: "Save…" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: "Save", exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
}
/** The try answer's block of one rule. */
const ruleBlock = (name: string) => page.locator(`#rules-try-rules section[data-rule="${name}"]`);

beforeAll(async () => {
  workbench = await openWorkbench({ artifactPrefix: "auth0-rules" });
  ({ page, baseUrl } = workbench);
  await signIn(workbench);
  await page.getByRole("button", { name: "Rules", exact: true }).click();
  await page.locator("#rules-view").waitFor({ state: "visible" });
});

afterAll(async () => {
  await workbench?.close();
});

describe("the workbench's Rules tab", () => {
  test("with no rule yet, the editor holds a new rule's template", async () => {
    expect((await storedRules()).size).toBe(0);
    await page.locator("#auth0-rules-status", { hasText: "0 rules" }).waitFor();
    expect(await page.locator("#auth0-rules-rows").textContent()).toContain("No rules yet");
    expect(await page.locator("#auth0-rule-status").textContent()).toBe("New rule, not saved yet");
    expect(await page.locator("#auth0-rule-editor .cm-content").textContent()).toContain(
      "function (user, context, callback) {  callback(null, user, context);}",
    );
    // The template is one function: the editor's check (the server's parser) accepts it.
    await page.waitForTimeout(400);
    expect(await page.locator("#auth0-rule-problem").textContent()).toBe("");
    await shot("1-empty");
  });

  test(
    "a new rule with a syntax error: marked at its line and column, refused by the server there; fixed, it is created",
    async () => {
      await page.getByLabel("Rule name").fill("tier");
      await pasteRule(BROKEN_TIER_RULE);
      const problem = page.locator("#auth0-rule-problem:not(:empty)");
      await problem.waitFor();
      expect(await problem.textContent()).toStartWith(
        `Line ${BROKEN_LINE}, column ${BROKEN_COLUMN}: SyntaxError: Unexpected token`,
      );
      const marked = await page.evaluate(() =>
        Array.from(document.querySelectorAll("#auth0-rule-editor .cm-line")).findIndex((line) =>
          line.querySelector(".cm-lintRange-error"),
        ),
      );
      expect(marked + 1).toBe(BROKEN_LINE);

      // Saved anyway: the server's check answers with the same line and column.
      await page.getByRole("button", { name: "Save…" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      expect(await page.locator("#auth0-rule-dialog-title").textContent()).toBe("Create the rule tier?");
      expect(await page.locator("#auth0-rule-diff").textContent()).toContain("tier rule for");
      await dialog.getByRole("button", { name: "Save", exact: true }).click();
      const refused = page.locator("#auth0-rule-save-problem:not(:empty)");
      await refused.waitFor();
      expect(await refused.textContent()).toBe(
        `Not saved: The rule does not compile: SyntaxError: Unexpected token (line ${BROKEN_LINE}, column ${BROKEN_COLUMN})`,
      );
      await shot("2-compile-error");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect((await storedRules()).size).toBe(0);

      await pasteRule(TIER_RULE);
      await page.locator("#auth0-rule-problem:empty").waitFor({ state: "attached" });
      await saveThroughDialog();
      await page.locator("#auth0-rule-status", { hasText: /^Saved · order \d+$/ }).waitFor();
      const tier = (await storedRules()).get("tier");
      expect(tier).toMatchObject({ script: TIER_RULE, enabled: true });
      expect(await page.locator("#auth0-rule-status").textContent()).toBe(`Saved · order ${tier!.order}`);
      expect(await listedNames()).toEqual(["tier"]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "an edit is marked unsaved, shown as a diff and saved with PATCH",
    async () => {
      await pasteRule(TIER_RULE.replace("tier rule for", "tier rule (v2) for"));
      await page.locator("#auth0-rule-status", { hasText: "● Unsaved changes" }).waitFor();
      await page.getByRole("button", { name: "Save…" }).click();
      await page.getByRole("dialog").waitFor();
      expect(await page.locator("#auth0-rule-summary").textContent()).toStartWith(
        "1 line(s) added, 1 removed, against the saved version.",
      );
      expect(await page.locator("#auth0-rule-diff .cm-deletedChunk").count()).toBeGreaterThan(0);
      await shot("3-save-diff");
      await page.getByRole("dialog").getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("dialog").waitFor({ state: "hidden" });
      await page.locator("#auth0-rule-status", { hasText: "Saved" }).waitFor();
      expect((await storedRules()).get("tier")?.script).toContain("tier rule (v2) for");
      // Back to the first version, for the tries below.
      await pasteRule(TIER_RULE);
      await saveThroughDialog();
      expect((await storedRules()).get("tier")?.script).toBe(TIER_RULE);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a second rule runs after the first; moved up, the two swap orders",
    async () => {
      await page.getByRole("button", { name: "New rule" }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("auth0-rule-name");
      await page.keyboard.type("region");
      await pasteRule(REGION_RULE);
      await saveThroughDialog();
      await page.locator("#auth0-rules-status", { hasText: "2 rules" }).waitFor();
      const before = await storedRules();
      const tierOrder = before.get("tier")!.order;
      const regionOrder = before.get("region")!.order;
      expect(regionOrder).toBeGreaterThan(tierOrder);
      expect(await listedNames()).toEqual(["tier", "region"]);
      expect(await page.locator("#auth0-rules-rows tr[aria-current=true] button.link").textContent()).toBe(
        "region",
      );

      await page.getByRole("button", { name: "Move region up" }).click();
      await page.locator("#auth0-rules-status", { hasText: "region now runs before tier." }).waitFor();
      const after = await storedRules();
      expect(after.get("region")!.order).toBe(tierOrder);
      expect(after.get("tier")!.order).toBe(regionOrder);
      expect(await listedNames()).toEqual(["region", "tier"]);
      expect(await page.getByRole("button", { name: "Move region up" }).isDisabled()).toBe(true);
      expect(await page.getByRole("button", { name: "Move tier down" }).isDisabled()).toBe(true);
      // The rule in the editor follows the server's order.
      expect(await page.locator("#auth0-rule-status").textContent()).toBe(`Saved · order ${tierOrder}`);
      await shot("4-reordered");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a configuration value is set by key and never shown back",
    async () => {
      await page.getByLabel("Key", { exact: true }).fill("TIER");
      await page.getByLabel("Configuration value").fill(TIER_VALUE);
      await page.getByRole("button", { name: "Set value" }).click();
      await page.locator("#rules-config-message", { hasText: "Set TIER." }).waitFor();
      await page.locator("#rules-config-list code", { hasText: "TIER" }).waitFor();
      expect(await page.inputValue("#rules-config-value")).toBe("");
      expect(await (await management("GET", "/rules-configs")).json()).toEqual([{ key: "TIER" }]);
      await page.reload();
      await page.getByRole("button", { name: "Rules", exact: true }).click();
      await page.locator("#rules-config-list code", { hasText: "TIER" }).waitFor();
      expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(TIER_VALUE);
      await shot("5-configuration");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "trying the enabled rules shows each rule's time and console line, the claims, scope and metadata",
    async () => {
      await page.locator("#rules-try-input").waitFor();
      const input = JSON.parse(await page.inputValue("#rules-try-input"));
      expect(Object.keys(input)).toEqual(["user", "context"]);
      expect(input.user.email).toBe("user@example.com");
      expect(input.context.tenant).toBeUndefined();

      await page.getByRole("button", { name: "Try enabled rules" }).click();
      await page.locator("#rules-try-summary", { hasText: "A token would be issued" }).waitFor();
      expect(await page.locator("#rules-try-summary").textContent()).toMatch(/\d+\.\d+ ms · 2 rule\(s\)/);
      expect(await page.locator("#rules-try-rules h4").allTextContents()).toEqual([
        expect.stringMatching(/^1\. region · \d+\.\d+ ms$/),
        expect.stringMatching(/^2\. tier · \d+\.\d+ ms$/),
      ]);
      // region runs first: it sees no tier claim yet.
      expect(await ruleBlock("region").locator("pre").textContent()).toBe(
        "region rule sees tier undefined\n",
      );
      expect(await ruleBlock("tier").locator("pre").textContent()).toBe("tier rule for user@example.com\n");
      const claims = JSON.parse((await page.locator("#rules-try-claims").textContent()) ?? "{}");
      expect(claims[TIER_CLAIM]).toBe("tier-set");
      const idClaims = JSON.parse((await page.locator("#rules-try-id-claims").textContent()) ?? "{}");
      expect(idClaims[REGION_CLAIM]).toBe("eu");
      expect(await page.locator("#rules-try-scope").textContent()).toBe("read:sample read:region");
      const metadata = JSON.parse((await page.locator("#rules-try-metadata").textContent()) ?? "{}");
      expect(metadata).toEqual({ app_metadata: { region: "eu" } });
      expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(TIER_VALUE);
      await shot("6-tried-enabled-rules");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "the editor's draft is tried alone, unsaved, with Ctrl+Enter; a refusal shows what the client gets; a bad sample input is refused in the page",
    async () => {
      await page.getByRole("button", { name: "Edit tier" }).click();
      await page.locator("#auth0-rule-status", { hasText: "Saved" }).waitFor();
      await pasteRule(TIER_RULE.replace("tier rule for", "draft tier rule for"));
      await page.keyboard.press("Control+Enter");
      await page.locator("#rules-try-summary", { hasText: "· 1 rule(s)" }).waitFor();
      expect(await page.locator("#rules-try-rules h4").allTextContents()).toEqual([
        expect.stringMatching(/^1\. tier \(draft\) · \d+\.\d+ ms$/),
      ]);
      expect(await ruleBlock("draft").locator("pre").textContent()).toBe(
        "draft tier rule for user@example.com\n",
      );
      expect((await storedRules()).get("tier")?.script).toBe(TIER_RULE);

      await pasteRule(DENYING_RULE);
      await page.getByRole("button", { name: "Try this draft" }).click();
      await page
        .locator("#rules-try-summary", { hasText: "The token would be refused: access_denied" })
        .waitFor();
      expect(JSON.parse((await page.locator("#rules-try-error-body").textContent()) ?? "{}")).toEqual({
        error: "access_denied",
        error_description: "no tier for user@example.com",
      });
      expect(await page.locator("#rules-try-error-detail").textContent()).toContain("denied");
      expect(await page.isVisible("#rules-try-result")).toBe(false);
      // The server attributes no console line to a rule that refuses: the line is shown apart.
      expect(await page.locator("#rules-try-rules").textContent()).toContain("denying user@example.com");
      await shot("6b-tried-denying-draft");

      await pasteRule(BROKEN_TIER_RULE);
      await page.getByRole("button", { name: "Try this draft" }).click();
      await page.locator("#rules-try-summary", { hasText: "Not tried" }).waitFor();
      expect(await page.locator("#rules-try-summary").textContent()).toContain(
        `(line ${BROKEN_LINE}, column ${BROKEN_COLUMN})`,
      );

      page.once("dialog", (question) => void question.accept());
      await page.getByRole("button", { name: "Revert" }).click();
      await page.locator("#auth0-rule-status", { hasText: "Saved" }).waitFor();

      const sample = await page.inputValue("#rules-try-input");
      await page.fill("#rules-try-input", "{ not json");
      await page.getByRole("button", { name: "Try enabled rules" }).click();
      await page.locator("#rules-try-summary", { hasText: "The sample input is not valid JSON" }).waitFor();
      await page.fill("#rules-try-input", sample);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a disabled rule stays listed but no longer runs; a real exchange carries the enabled rules' claims",
    async () => {
      await page.getByRole("checkbox", { name: "Run region" }).uncheck();
      await page.locator("#auth0-rules-status", { hasText: "region disabled." }).waitFor();
      expect((await storedRules()).get("region")?.enabled).toBe(false);
      expect(await page.getByRole("checkbox", { name: "Run region" }).isChecked()).toBe(false);

      await page.getByRole("button", { name: "Try enabled rules" }).click();
      await page.locator("#rules-try-summary", { hasText: "· 1 rule(s)" }).waitFor();
      expect(await page.locator("#rules-try-rules h4").allTextContents()).toEqual([
        expect.stringMatching(/^1\. tier · /),
      ]);
      expect(await page.locator("#rules-try-scope").textContent()).toStartWith("(not set by the rules");
      await shot("7-disabled");

      const response = await exchange(baseUrl, workbench.demoBody);
      expect(response.status).toBe(200);
      const { access_token } = (await response.json()) as { access_token: string };
      expect(decodeJwt(access_token)[TIER_CLAIM]).toBe("tier-set");

      await page.getByRole("checkbox", { name: "Run region" }).check();
      await page.locator("#auth0-rules-status", { hasText: "region enabled." }).waitFor();
      expect((await storedRules()).get("region")?.enabled).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "every control of the tab and of its dialog has an accessible name, and nothing overflows at 1280×800",
    async () => {
      const unnamed = async () =>
        (await page.locator("body").ariaSnapshot())
          .split("\n")
          .filter((line) =>
            /^\s*- (textbox|searchbox|checkbox|combobox|button|switch|radio)\b(?! ")/.test(line),
          );
      expect(await unnamed()).toEqual([]);
      await page.getByRole("button", { name: "Edit region" }).click();
      await pasteRule(`${REGION_RULE}// a note\n`);
      await page.getByRole("button", { name: "Save…" }).click();
      await page.getByRole("dialog").waitFor();
      expect(await unnamed()).toEqual([]);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "hidden" });

      await page.setViewportSize({ width: 1280, height: 800 });
      const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
      await shot("8-laptop");
      expect(Math.max(0, overflow)).toBe(0);
      await page.setViewportSize({ width: 1366, height: 860 });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a rule is deleted only once confirmed; a configuration value is deleted by key",
    async () => {
      // The editor holds an unsaved change to region: leaving it asks first.
      page.once("dialog", (question) => void question.dismiss());
      await page.getByRole("button", { name: "Edit tier" }).click();
      expect(await page.getByLabel("Rule name").inputValue()).toBe("region");

      page.once("dialog", (question) => void question.dismiss());
      await page.getByRole("button", { name: "Delete tier" }).click();
      expect((await storedRules()).has("tier")).toBe(true);

      page.once("dialog", (question) => {
        expect(question.message()).toContain("Delete the rule tier?");
        void question.accept();
      });
      await page.getByRole("button", { name: "Delete tier" }).click();
      await page.locator("#auth0-rules-status", { hasText: "Deleted tier." }).waitFor();
      expect([...(await storedRules()).keys()]).toEqual(["region"]);
      expect(await listedNames()).toEqual(["region"]);
      // The rule being edited is still there, with its unsaved change.
      expect(await page.locator("#auth0-rule-status").textContent()).toBe("● Unsaved changes");

      await page.getByRole("button", { name: "Delete the configuration value TIER" }).click();
      await page.locator("#rules-config-message", { hasText: "Deleted TIER." }).waitFor();
      await page.locator("#rules-config-list", { hasText: "No configuration values." }).waitFor();
      expect(await (await management("GET", "/rules-configs")).json()).toEqual([]);
      await shot("9-deleted");
    },
    TEST_TIMEOUT_MS,
  );

  test("nothing left localhost, the key never went into a URL, and no CSP violation or error", async () => {
    expect(workbench.external).toEqual([]);
    expect(workbench.requested.filter((url) => url.includes(ADMIN_KEY))).toEqual([]);
    expect(await workbench.cspViolations()).toEqual([]);
    // The refused save and try are 400s the browser reports as failed resource loads.
    expect(workbench.consoleErrors.filter((text) => !/status of 400/.test(text))).toEqual([]);
  });
});
