import type { ruleFailureError } from "../oauth/rule-failure-error.ts";
import type { RuleExecution } from "../rules/contract.ts";
import { linesByRule, type PipelineOutcome } from "../rules/read-pipeline-result.ts";
import { temporarilyUnavailable } from "./api-error.ts";

/**
 * What the Management API answers about code it runs once in a throwaway rule host (a `try`,
 * an action's test, a deploy check): the same pieces for the password-exchange rule, Auth0
 * Rules and Actions.
 */

/** How long a caller turned away by busy throwaway hosts should wait before retrying. */
const BUSY_RETRY_AFTER_SECONDS = 2;

/** Too many `try` runs and compile checks are running and waiting already: 503, retry shortly. */
export const throwawayHostsBusy = () =>
  temporarilyUnavailable(
    "Too many rule tries and deploy checks are running; retry shortly.",
    BUSY_RETRY_AFTER_SECONDS,
  );

/** The error a token request would get, with the detail only the logs would otherwise see. */
export const explainedError = (error: ReturnType<typeof ruleFailureError>) => ({
  error: { ...error.toBody(), detail: error.detail },
});

/** What every run reports: its console lines and its time. */
export const runAnswer = (execution: RuleExecution) => ({
  duration_ms: Math.round(execution.durationMs * 1000) / 1000,
  logs: execution.logs,
});

/**
 * What a run of Auth0 Rules or Actions did, read from its result: the console lines with the
 * rule or action that wrote each, the scope and claims the tokens would get, the metadata that
 * would be written, whether a second factor was asked for, the warnings.
 */
export function flowRunReport(execution: RuleExecution, outcome: PipelineOutcome) {
  return {
    ...runAnswer(execution),
    logs: linesByRule(execution.logs, outcome.rules),
    ...(outcome.scope ? { scope: outcome.scope } : {}),
    access_token_claims: outcome.accessTokenClaims,
    id_token_claims: outcome.idTokenClaims,
    metadata: {
      ...(outcome.metadata.appMetadata && { app_metadata: outcome.metadata.appMetadata }),
      ...(outcome.metadata.userMetadata && { user_metadata: outcome.metadata.userMetadata }),
    },
    warnings: outcome.warnings,
  };
}
