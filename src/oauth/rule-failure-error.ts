import type { RuleFailure, RuleId } from "../rules/contract.ts";
import {
  AccessDenied,
  InvalidRequest,
  InvalidScope,
  type OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from "./errors.ts";

const generic = (ruleId: RuleId) =>
  ruleId === "rules"
    ? "The rules failed."
    : ruleId.endsWith("-actions")
      ? "The actions failed."
      : `The ${ruleId} rule failed.`;

/** What waits on a busy rule pool, for the 503's description. */
const WAITING: Record<RuleId, string> = {
  "password-exchange": "password exchanges",
  "credentials-exchange": "client credentials exchanges",
  rules: "password and refresh exchanges",
  "post-login-actions": "password and refresh exchanges",
  "credentials-exchange-actions": "client credentials exchanges",
};

/**
 * Maps why a rule call failed onto RFC 6749 §5.2 errors: the rule's InvalidScopeError and
 * InvalidRequestError keep their meaning, any other error it raises (Auth0's
 * UnauthorizedError included) denies the token (`access_denied`, as Auth0's rules and hooks
 * did), and everything that is the sandbox's business (a crash, the time or memory limit) is
 * a `server_error` whose detail goes to the logs only.
 */
export function ruleFailureError(failure: RuleFailure, ruleId: RuleId = "password-exchange"): OAuthError {
  if (failure.kind === "busy") {
    return new TemporarilyUnavailable(`Too many ${WAITING[ruleId]} are waiting; try again shortly.`);
  }
  if (failure.kind !== "denied") return new ServerError(generic(ruleId), failure.detail);
  switch (failure.errorClass) {
    case "InvalidScopeError":
      return new InvalidScope(failure.message);
    case "InvalidRequestError":
      return new InvalidRequest(failure.message);
    case "ServerError":
      return new ServerError(failure.message || generic(ruleId), "the rule raised ServerError");
    default:
      return new AccessDenied(failure.message || `Access denied by the ${ruleId} rule.`, "the rule denied");
  }
}

/** The error for a rule result that breaks the contract (not an object, a scope that is not strings). */
export const garbageResultError = (detail: string, ruleId: RuleId = "password-exchange") =>
  new ServerError(generic(ruleId), detail);

/**
 * The error of Auth0 Rules or Actions that ended with an error (`callback(new
 * UnauthorizedError(…))`, any other error, a throw or a rejection, an action's
 * `api.access.deny(reason)`): `access_denied` with the message, as Auth0 answered a password
 * grant.
 */
export const rulesDeniedError = (
  denied: { name: string; message: string },
  by: string | undefined,
  part: "rule" | "action" = "rule",
) =>
  new AccessDenied(
    denied.message || `Access denied by the ${part}s.`,
    `the ${part} ${by === undefined ? "" : JSON.stringify(by)} denied (${denied.name})`,
  );

/**
 * A rule set `context.multifactor`, or an action called `api.multifactor.enable`, on a
 * refresh of a session that did not pass a second factor: a refresh cannot ask for one, so
 * no token without it (the user logs in again with their password).
 */
export const multifactorRefusedError = () =>
  new AccessDenied(
    "Multifactor authentication is required: log in again.",
    "a rule or action asked for a second factor on a refresh of a session without one",
  );
