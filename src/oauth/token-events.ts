import type { LogEvent, LogType } from "../logs/event-log.ts";
import { grantLabel } from "../metrics/metrics.ts";
import type { RuleTiming } from "../rules/read-pipeline-result.ts";
import type { OAuthError } from "./errors.ts";
import type { TokenContext } from "./token-context.ts";

/** What the request itself says is bounded before it reaches the log. */
const clip = (value: string | undefined) => value?.slice(0, 256);

/**
 * Who and what the request was about, from what its steps established and, where they did
 * not get that far, what the request said (Auth0's log event fields).
 */
function eventFields(context: TokenContext): Omit<LogEvent, "type" | "description" | "details"> {
  const { params, user, family, api } = context;
  return {
    requestId: context.requestId,
    ip: context.ip,
    userAgent: context.request.headers.get("user-agent"),
    clientId: context.clientId ?? clip(params.client_id),
    clientName: context.client?.name,
    userId: user?.id ?? family?.userId,
    userName: user?.email ?? clip(params.username),
    audience: api?.identifier ?? family?.audience ?? clip(params.audience),
    scope: context.scope ?? family?.scope ?? clip(params.scope),
  };
}

/** The Auth0 Rules and Actions that ran and each one's time, when any did (README, "Moving your Auth0 Rules"). */
const rulesRun = (context: TokenContext) => {
  const timed = (parts: RuleTiming[]) =>
    parts.map((part) => ({ name: part.name, duration_ms: part.durationMs }));
  return {
    ...(context.rules ? { rules: timed(context.rules) } : {}),
    ...(context.actions ? { actions: timed(context.actions) } : {}),
  };
};

/**
 * Counts a token request's answer (`rulegate_token_requests_total`: `success` or the RFC 6749
 * §5.2 error code) and its time since it arrived. Labels are the grant types this server has
 * (`unknown` before the request named one) and the error codes of src/oauth/errors.ts.
 */
export function countTokenOutcome(context: TokenContext, outcome: string): void {
  const grantType = grantLabel(context.grant?.type);
  const { metrics } = context.deps;
  metrics.tokenRequests.inc({ grant_type: grantType, outcome });
  metrics.tokenDuration.observe({ grant_type: grantType }, (performance.now() - context.startedAt) / 1000);
}

/** The grant's success event (`sepft`, `sertft`). */
export async function recordTokenSuccess(context: TokenContext): Promise<void> {
  const { grant } = context;
  if (!grant) return;
  countTokenOutcome(context, "success");
  await context.deps.events.record({
    type: grant.events.success,
    description: grant.events.description,
    ...eventFields(context),
    details: { grant_type: grant.type, ...rulesRun(context) },
  });
}

/**
 * A refused token request: the operational log line and the grant's failure event
 * (`fepft`, `fertft`; `fepft` before a grant is known), with the reason, which never
 * leaves the server otherwise.
 */
export async function recordTokenFailure(context: TokenContext, error: OAuthError): Promise<void> {
  const { deps, params } = context;
  countTokenOutcome(context, error.error);
  deps.log.info({
    event: "token_failed",
    request_id: context.requestId,
    error: error.error,
    description: error.description,
    detail: error.detail,
  });
  // Auth0 logs a password exchange that now needs its second factor as `mfar`, not a failure.
  const type: LogType = error.error === "mfa_required" ? "mfar" : (context.grant?.events.failure ?? "fepft");
  await deps.events.record({
    type,
    description: error.description,
    ...eventFields(context),
    details: {
      error: error.error,
      reason: error.detail,
      grant_type: params.grant_type?.slice(0, 64),
      ...rulesRun(context),
    },
  });
}
