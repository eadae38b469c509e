import type { RuleFailure } from "../rules/contract.ts";
import {
  AccessDenied,
  InvalidRequest,
  InvalidScope,
  type OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from "./errors.ts";

const GENERIC = "The password-exchange rule failed.";

/**
 * Maps why a rule call failed onto RFC 6749 §5.2 errors: the rule's InvalidScopeError and
 * InvalidRequestError keep their meaning, any other error it raises denies the token
 * (`access_denied`, as Auth0's rules did), and everything that is the sandbox's business
 * (a crash, the time or memory limit) is a `server_error` whose detail goes to the logs only.
 */
export function ruleFailureError(failure: RuleFailure): OAuthError {
  if (failure.kind === "busy") {
    return new TemporarilyUnavailable("Too many password exchanges are waiting; try again shortly.");
  }
  if (failure.kind !== "denied") return new ServerError(GENERIC, failure.detail);
  switch (failure.errorClass) {
    case "InvalidScopeError":
      return new InvalidScope(failure.message);
    case "InvalidRequestError":
      return new InvalidRequest(failure.message);
    case "ServerError":
      return new ServerError(failure.message || GENERIC, "the rule raised ServerError");
    default:
      return new AccessDenied(
        failure.message || "Access denied by the password-exchange rule.",
        "the rule denied",
      );
  }
}

/** The error for a rule result that breaks the contract (not an object, a scope that is not strings). */
export const garbageResultError = (detail: string) => new ServerError(GENERIC, detail);
