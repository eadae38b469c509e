/**
 * A user's MFA in the workbench's Users view, in a real Chromium against a real server
 * process: a user enrolled through the real `/mfa` flow shows their confirmed enrollment
 * (status, enrolled, last used, as the API has them), a user without one shows the message
 * instead, and Reset MFA (after a confirmation) deletes the enrollment: the API agrees, and
 * the next real exchange asks the user to enroll again. Screenshots go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { enrollOtp, type PasswordRequest, requireMfa } from "../support/mfa-enrollment.ts";
import { ADMIN_KEY, openWorkbench, signIn, type Workbench } from "./support.ts";

const EMAIL = "mfa.console@example.com";
const PASSWORD = "Mfa-console-passphrase-2026";
/** The seed's user, who never enrolls. */
const DEMO_EMAIL = "user@example.com";

/** Real exchanges hash passwords on a busy machine: more than bun's default 5 s per test. */
const TEST_TIMEOUT_MS = 60_000;

interface Enrollment {
  id: string;
  status: string;
  enrolled_at: string;
  last_auth?: string;
}

let workbench: Workbench;
let page: Page;
let baseUrl: string;
let userRequest: PasswordRequest;
let userId: string;

const management = (method: string, path: string, body?: unknown) =>
  fetch(`${baseUrl}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const enrollmentsOf = async (id: string) =>
  (await (await management("GET", `/users/${encodeURIComponent(id)}/enrollments`)).json()) as Enrollment[];

/** The panel's rows: each cell's text, and a `<time>`'s exact value where there is one. */
const shownEnrollments = () =>
  page
    .locator("#user-mfa-rows tr")
    .evaluateAll((rows) =>
      rows.map((row) =>
        Array.from(
          row.querySelectorAll("td"),
          (cell) => cell.querySelector("time")?.dateTime ?? cell.textContent,
        ),
      ),
    );

beforeAll(async () => {
  workbench = await openWorkbench({ artifactPrefix: "user-mfa" });
  ({ page, baseUrl } = workbench);
  const demo = JSON.parse(workbench.demoBody) as PasswordRequest;
  userRequest = { ...demo, username: EMAIL, password: PASSWORD };
  const created = await management("POST", "/users", {
    email: EMAIL,
    password: PASSWORD,
    connection: "Username-Password-Authentication",
  });
  expect(created.status).toBe(201);
  userId = ((await created.json()) as { user_id: string }).user_id;
  await requireMfa(management, demo.client_id!);
  await enrollOtp(baseUrl, userRequest);
  await signIn(workbench);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await workbench?.close();
});

describe("a user's MFA in the Users view", () => {
  test(
    "a user without an enrollment: the message, and nothing to reset",
    async () => {
      await page.getByRole("button", { name: "Users" }).click();
      await page.locator("#users-status", { hasText: "2 users" }).waitFor();
      expect(await page.locator("#user-mfa").isHidden()).toBe(true);
      await page.getByRole("button", { name: `MFA of ${DEMO_EMAIL}`, exact: true }).click();
      await page.locator("#user-mfa-status", { hasText: "0 enrollments" }).waitFor();
      expect(await page.locator("#user-mfa-title").textContent()).toBe(`MFA enrollments of ${DEMO_EMAIL}`);
      expect(await page.locator("#user-mfa-rows").textContent()).toStartWith("No MFA enrollments");
      expect(await page.getByRole("button", { name: `Reset MFA for ${DEMO_EMAIL}` }).isDisabled()).toBe(true);
      await workbench.shot("1-no-enrollment");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "the enrolled user's confirmed enrollment: status, enrolled and last used, as the API has them",
    async () => {
      await page.getByRole("button", { name: `MFA of ${EMAIL}`, exact: true }).click();
      await page.locator("#user-mfa-status", { hasText: "1 enrollment" }).waitFor();
      const [enrollment] = await enrollmentsOf(userId);
      expect(enrollment).toMatchObject({ status: "confirmed", last_auth: expect.any(String) });
      expect(await shownEnrollments()).toEqual([
        ["Authenticator app", "confirmed", enrollment!.enrolled_at, enrollment!.last_auth!],
      ]);
      expect(await page.locator("#user-mfa-title").textContent()).toBe(`MFA enrollments of ${EMAIL}`);
      // The chosen user is marked in the list, and the focus moved to their enrollments.
      expect(await page.locator("#users-rows tr[aria-current=true]").textContent()).toContain(EMAIL);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("user-mfa-title");
      await workbench.shot("2-confirmed-enrollment");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "every control is named, the panel fits a laptop's width, and the keyboard reaches Reset MFA",
    async () => {
      const unnamed = (await page.locator("#users-view").ariaSnapshot())
        .split("\n")
        .filter((line) =>
          /^\s*- (textbox|searchbox|checkbox|combobox|button|switch|radio)\b(?! ")/.test(line),
        );
      expect(unnamed).toEqual([]);
      await page.setViewportSize({ width: 1280, height: 800 });
      const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
      expect(Math.max(0, overflow)).toBe(0);
      await workbench.shot("3-laptop");
      await page.setViewportSize({ width: 1366, height: 860 });
      // From the focused heading, Tab reaches the reset button.
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("user-mfa-reset");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "Reset MFA asks first: dismissed, nothing is deleted; confirmed, the enrollment is gone and the API agrees",
    async () => {
      const reset = page.getByRole("button", { name: `Reset MFA for ${EMAIL}` });
      const questions: string[] = [];
      page.once("dialog", (dialog) => {
        questions.push(dialog.message());
        void dialog.dismiss();
      });
      await reset.click();
      expect(questions).toEqual([
        `Reset MFA for ${EMAIL}? Their authenticator stops working and they enroll again at their next login.`,
      ]);
      expect(await enrollmentsOf(userId)).toHaveLength(1);
      expect(await page.locator("#user-mfa-rows .badge").textContent()).toBe("confirmed");

      page.once("dialog", (dialog) => void dialog.accept());
      await reset.click();
      await page.locator("#user-mfa-status", { hasText: `MFA reset for ${EMAIL}.` }).waitFor();
      expect(await page.locator("#user-mfa-rows").textContent()).toStartWith("No MFA enrollments");
      expect(await reset.isDisabled()).toBe(true);
      // The focus is not lost with the disabled button.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("user-mfa-title");
      await workbench.shot("4-reset");
      expect(await enrollmentsOf(userId)).toEqual([]);

      // The next real exchange asks the user to enroll again.
      const answer = await fetch(`${baseUrl}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(userRequest),
      });
      expect(answer.status).toBe(403);
      expect(await answer.json()).toMatchObject({
        error: "mfa_required",
        mfa_requirements: { enroll: [{ type: "otp" }] },
      });

      // Opening the view again reloads the shown user's enrollments from the server.
      await page.getByRole("button", { name: "Clients" }).click();
      await page.getByRole("button", { name: "Users" }).click();
      await page.locator("#user-mfa-status", { hasText: "0 enrollments" }).waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  test("nothing left localhost, and no CSP violation or error", async () => {
    expect(workbench.external).toEqual([]);
    expect(workbench.requested.filter((url) => url.includes(ADMIN_KEY))).toEqual([]);
    expect(
      workbench.requested.filter((url) => url.includes("/guardian/enrollments/")).length,
    ).toBeGreaterThan(0);
    expect(await workbench.cspViolations()).toEqual([]);
    expect(workbench.consoleErrors).toEqual([]);
  });
});
