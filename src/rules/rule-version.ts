import { createHash } from "node:crypto";
import { RULES_PIPELINE } from "../model/rule-ids.ts";
import { pipelineSource } from "./auth0-rule-source.ts";
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
  return { ruleId, script, version: versionOf(ruleId, script), deployedAt: deployedAt.getTime() };
}

/**
 * The last version computed for each rule: every exchange asks for its rule's version, and
 * the source changes only with a deploy, so the hash is not taken again for the same source.
 */
const lastVersions = new Map<RuleId, { script: string; version: string }>();

function versionOf(ruleId: RuleId, script: string): string {
  const last = lastVersions.get(ruleId);
  if (last?.script === script) return last.version;
  const version = createHash("sha256").update(`${ruleId}\n${script}`).digest("base64url").slice(0, 22);
  lastVersions.set(ruleId, { script, version });
  return version;
}

/** One version of the Auth0 Rules pipeline: the enabled rules in order, and when it last changed. */
export interface PipelineVersion {
  rules: readonly { name: string; script: string }[];
  /** When a rule or a configuration value last changed (ms): its deploy time. */
  changedAt: number;
}

/**
 * The Auth0 Rules pipeline as a rule host runs it: one module of the rules in order
 * (src/rules/auth0-rule-source.ts). Its version is a hash of that module and of when the
 * pipeline last changed (never of the configuration values, which are secrets and reach the
 * host with each call), so editing, enabling, disabling or reordering a rule, or changing a
 * value, is a new version with hosts (and a `global`) of its own.
 */
export function pipelineScript(pipeline: PipelineVersion): RuleScript {
  return deployedScript(RULES_PIPELINE, pipeline.changedAt, pipelineSource(pipeline.rules));
}

/**
 * The version of extension code compiled as a whole (the Rules pipeline, a trigger's
 * Actions): a hash of the module and of when it last changed, deployed then.
 */
export function deployedScript(ruleId: RuleId, changedAt: number, script: string): RuleScript {
  return {
    ruleId,
    script,
    version: createHash("sha256")
      .update(`${ruleId}\n${changedAt}\n${script}`)
      .digest("base64url")
      .slice(0, 22),
    deployedAt: changedAt,
  };
}
