import { t } from "elysia";
import { findAuth0Rule, findPipeline } from "../db/auth0-rules.ts";
import { readRuleSecrets } from "../db/rule.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { RULES_PIPELINE } from "../model/rule-ids.ts";
import { garbageResultError, ruleFailureError, rulesDeniedError } from "../oauth/rule-failure-error.ts";
import { type PipelineRuleSource, pipelineSource } from "../rules/auth0-rule-source.ts";
import { GarbageResult } from "../rules/normalize-outcome.ts";
import type { RulePool } from "../rules/pool.ts";
import { readPipelineResult } from "../rules/read-pipeline-result.ts";
import { samplePipelineInput } from "../rules/sample-input.ts";
import { badRequest, notFound } from "./api-error.ts";
import { assertRuleModules, assertRuleSource } from "./auth0-rules.ts";
import { managementPlugin } from "./management-plugin.ts";
import { explainedError, flowRunReport, runAnswer, throwawayHostsBusy } from "./sandbox-run.ts";

const JsonObject = t.Record(t.String(), t.Unknown());

/**
 * `POST /api/v2/rules/try`: what to run — a draft `script`, one stored rule (`id`, enabled
 * or not), or with neither the enabled rules in order — on a sample `user` and `context`
 * that the body's may override, with the stored configuration values unless it gives some.
 */
export const TryRules = t.Object(
  {
    script: t.Optional(t.String({ minLength: 1 })),
    id: t.Optional(t.String({ maxLength: 64 })),
    user: t.Optional(JsonObject),
    context: t.Optional(JsonObject),
    configuration: t.Optional(t.Record(t.String({ maxLength: 127 }), t.String({ maxLength: 4096 }))),
  },
  { additionalProperties: false },
);

/** The rules a try runs, in order. @throws ApiError 400/404/413 for a bad draft, an unknown id or no rules */
async function rulesToTry(deps: Deps, body: typeof TryRules.static): Promise<PipelineRuleSource[]> {
  if (body.script !== undefined && body.id !== undefined)
    throw badRequest("Give a script or an id, not both.");
  if (body.script !== undefined) {
    assertRuleSource(body.script);
    assertRuleModules(deps, body.script);
    return [{ name: "draft", script: body.script }];
  }
  if (body.id !== undefined) {
    const rule = await findAuth0Rule(deps.db, body.id);
    if (!rule) throw notFound("rule");
    return [rule];
  }
  const pipeline = await findPipeline(deps.db);
  if (!pipeline) throw badRequest("No script or id was given and no rule is enabled.");
  return pipeline.rules;
}

/**
 * Runs rules once in a throwaway host, as an exchange would but writing nothing (README,
 * "Moving your Auth0 Rules"): the user and the context as the rules left them, the scope
 * and claims the tokens would get, the metadata that would be written, each rule's time and
 * console lines, or the error the token endpoint would answer.
 */
export function rulesTryRoutes(deps: Deps, pool: RulePool) {
  return managementPlugin(deps, "/rules").post(
    "/try",
    async ({ body }) => {
      const rules = await rulesToTry(deps, body);
      const audience = (await getTenantSettings(deps.db))?.defaultAudience ?? "https://api.example.com";
      const sample = samplePipelineInput(deps.config.tenant, deps.config.issuer, audience, deps.clock.now());
      const input = {
        ...sample,
        user: {
          ...sample.user,
          ...body.user,
          user_id: String((body.user as { user_id?: unknown } | undefined)?.user_id ?? sample.user.user_id),
        },
        context: { ...sample.context, ...body.context },
        configuration: body.configuration ?? (await readRuleSecrets(deps.db, RULES_PIPELINE)),
        report: true,
      };
      const execution = await pool.tryScript(pipelineSource(rules), input, `try-${crypto.randomUUID()}`);
      if (execution.failure?.kind === "busy") throw throwawayHostsBusy();
      if (execution.failure) {
        return { ...runAnswer(execution), ...explainedError(ruleFailureError(execution.failure, "rules")) };
      }
      try {
        const outcome = readPipelineResult(execution.result, { privateClaimsAllowed: true });
        const result = execution.result as { user?: unknown; context?: unknown };
        const report = {
          ...flowRunReport(execution, outcome),
          rules: outcome.rules.map((rule) => ({ name: rule.name, duration_ms: rule.durationMs })),
          user: result.user,
          context: result.context,
        };
        if (outcome.denied) {
          return {
            ...report,
            ...explainedError(rulesDeniedError(outcome.denied, outcome.rules.at(-1)?.name)),
          };
        }
        // A rule asking for a second factor: the exchange would answer `mfa_required`.
        return outcome.multifactor ? { ...report, multifactor: true } : report;
      } catch (error) {
        if (!(error instanceof GarbageResult)) throw error;
        return { ...runAnswer(execution), ...explainedError(garbageResultError(error.message, "rules")) };
      }
    },
    { body: TryRules },
  );
}
