import { t } from "elysia";
import { findAction } from "../db/actions.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { ACTION_TRIGGERS, type ActionTriggerId } from "../model/rule-ids.ts";
import { garbageResultError, ruleFailureError, rulesDeniedError } from "../oauth/rule-failure-error.ts";
import { actionsSource } from "../rules/actions-flow.ts";
import { GarbageResult } from "../rules/normalize-outcome.ts";
import type { RulePool } from "../rules/pool.ts";
import { readPipelineResult } from "../rules/read-pipeline-result.ts";
import { sampleActionEvent } from "../rules/sample-input.ts";
import { ApiError, badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { explainedError, flowRunReport, runAnswer, throwawayHostsBusy } from "./sandbox-run.ts";

/** Auth0's body of `POST /api/v2/actions/actions/{id}/test`: the event to run the draft on. */
export const TestAction = t.Object(
  { payload: t.Record(t.String(), t.Unknown()) },
  { additionalProperties: false },
);

/**
 * `POST /api/v2/actions/actions/{id}/test` (Auth0's test of an action): runs the action's
 * draft, with its draft secrets, once in a throwaway host on `payload` as the `event` (over a
 * sample of its trigger's event), as an exchange would but writing nothing. The answer's
 * `payload` says what the action did: the claims, the scope, the metadata it would set, its
 * console lines and time, or the error a token request would get.
 */
export function actionsTestRoutes(deps: Deps, pool: RulePool) {
  return managementPlugin(deps, "/actions").post(
    "/actions/:id/test",
    async ({ params, body }) => {
      const action = await findAction(deps.db, params.id);
      if (!action) throw notFound("action");
      const trigger = action.supportedTriggers
        .map((supported) => supported.id)
        .find((id) => id in ACTION_TRIGGERS);
      if (!trigger) throw badRequest("The action supports no trigger this server runs.");
      const audience = (await getTenantSettings(deps.db))?.defaultAudience ?? "https://api.example.com";
      const sample = sampleActionEvent(
        trigger as ActionTriggerId,
        deps.config.tenant,
        deps.config.issuer,
        audience,
        deps.clock.now(),
      );
      const secrets = Object.fromEntries(
        Object.entries(action.secrets).map(([name, secret]) => [name, secret.value]),
      );
      const execution = await pool.tryScript(
        actionsSource(trigger as ActionTriggerId, [{ name: action.name, code: action.code }]),
        { trigger: "actions", event: { ...sample, ...body.payload }, secrets: [secrets] },
        `test-${crypto.randomUUID()}`,
      );
      if (execution.failure?.kind === "busy") throw throwawayHostsBusy();
      const ruleId = ACTION_TRIGGERS[trigger as ActionTriggerId];
      if (execution.failure) {
        // A draft that does not load (no handler, a throw at top level) is the caller's mistake.
        if (
          execution.failure.kind === "crashed" &&
          execution.failure.detail.startsWith("the rule does not compile")
        ) {
          throw new ApiError(400, `The action cannot run: ${execution.failure.detail}`, "invalid_action");
        }
        return {
          payload: {
            ...runAnswer(execution),
            ...explainedError(ruleFailureError(execution.failure, ruleId)),
          },
        };
      }
      try {
        const outcome = readPipelineResult(execution.result, { privateClaimsAllowed: true });
        const { id_token_claims, ...run } = flowRunReport(execution, outcome);
        const report = {
          ...run,
          // Only a post-login action has an ID token to add claims to.
          ...(trigger === "post-login" ? { id_token_claims } : {}),
          ...(outcome.multifactor ? { multifactor: true } : {}),
        };
        if (outcome.denied) {
          const denied =
            outcome.denied.code === undefined
              ? explainedError(rulesDeniedError(outcome.denied, action.name, "action"))
              : { error: { error: outcome.denied.code, error_description: outcome.denied.message } };
          return { payload: { ...report, ...denied } };
        }
        return { payload: report };
      } catch (error) {
        if (!(error instanceof GarbageResult)) throw error;
        return {
          payload: { ...runAnswer(execution), ...explainedError(garbageResultError(error.message, ruleId)) },
        };
      }
    },
    { body: TestAction },
  );
}
