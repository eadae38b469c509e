import { createHash } from "node:crypto";
import type { RuleId, RuleScript } from "./contract.ts";

/**
 * A rule's version is a hash of its source and of the rule it is: the same source is the
 * same compiled rule, so hosts serve a version whatever node or deploy it came from, and the
 * same source deployed as both rules still gets a pool of hosts for each.
 */
export function ruleScript(
  script: string,
  deployedAt: Date,
  ruleId: RuleId = "password-exchange",
): RuleScript {
  return {
    ruleId,
    script,
    version: createHash("sha256").update(`${ruleId}\n${script}`).digest("base64url").slice(0, 22),
    deployedAt: deployedAt.getTime(),
  };
}
