import { createHash } from "node:crypto";
import type { RuleScript } from "./contract.ts";

/**
 * A rule's version is a hash of its source: the same source is the same compiled rule, so
 * hosts serve a version whatever node or deploy it came from.
 */
export function ruleScript(script: string, deployedAt: Date): RuleScript {
  return {
    script,
    version: createHash("sha256").update(script).digest("base64url").slice(0, 22),
    deployedAt: deployedAt.getTime(),
  };
}
