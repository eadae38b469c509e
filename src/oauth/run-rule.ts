import { createHash } from "node:crypto";
import { findRule, readRuleSecrets } from "../db/rule.ts";
import type { Deps } from "../deps.ts";
import type { RuleInput, RuleOutcome } from "../rules/contract.ts";

/**
 * Runs the password-exchange rule (SPEC §4) after the user, client, audience and scope
 * are settled. With no rule, or a disabled one, the granted scope passes unchanged and
 * no claims are added. The rule's secrets are read here so the rule sees the current ones.
 */
export async function runRule(deps: Deps, input: RuleInput, requestId: string): Promise<RuleOutcome> {
  const rule = await findRule(deps.db);
  if (!rule?.enabled) return { scope: input.scope, accessTokenClaims: {}, idTokenClaims: {} };
  const secrets = await readRuleSecrets(deps.db);
  // Workers compile a rule once per version; a content hash means "same source, same compiled rule".
  const version = createHash("sha256").update(rule.script).digest("base64url").slice(0, 22);
  return deps.rules.run(
    { script: rule.script, version },
    { ...input, context: { ...input.context, webtask: { secrets } } },
    requestId,
  );
}
