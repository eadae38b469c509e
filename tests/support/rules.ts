import { saveRule } from "../../src/db/rule.ts";
import type { Harness } from "./harness.ts";
import { expect } from "./test-api.ts";

/** Deploys a rule through the management API and expects it to be accepted. */
export async function deployRule(h: Harness, script: string): Promise<void> {
  const response = await h.admin("PUT", "/rules/password-exchange", { script });
  if (response.status !== 200) throw new Error(`deploy failed: ${response.status} ${await response.text()}`);
}

/** Stores a rule without the deploy-time checks (as if written before them). */
export async function storeRuleUnchecked(h: Harness, script: string): Promise<void> {
  await saveRule(h.deps.db, { script, enabled: true, updatedAt: new Date() });
}

/** Runs a script through `POST /try` and returns the answer. */
export async function tryRule(h: Harness, script: string, input: Record<string, unknown> = {}) {
  const response = await h.admin("POST", "/rules/password-exchange/try", { script, ...input });
  expect(response.status).toBe(200);
  return response.json();
}
