import { type Static, Type as t } from "@sinclair/typebox";

const JsonObject = t.Record(t.String(), t.Unknown());

/** The rule's inputs, `(user, client, scope, audience, context, cb)` (README, "The password-exchange rule"). */
export const RuleInput = t.Object({
  user: t.Object({
    tenant: t.String(),
    id: t.String(),
    displayName: t.String(),
    email: t.String(),
    user_metadata: JsonObject,
    app_metadata: JsonObject,
  }),
  client: t.Object({
    tenant: t.String(),
    id: t.String(),
    name: t.String(),
    metadata: t.Record(t.String(), t.String()),
  }),
  scope: t.Array(t.String()),
  audience: t.String(),
  context: t.Object({
    ip: t.String(),
    userAgent: t.String(),
    webtask: t.Object({ secrets: t.Record(t.String(), t.String()) }),
    /** The request's parameters minus `password` and `client_secret`. */
    request: t.Record(t.String(), t.String()),
  }),
});
export type RuleInput = Static<typeof RuleInput>;

/**
 * The credentials-exchange rule's inputs, `(client, scope, audience, context, cb)` (README,
 * "The credentials-exchange rule"; Auth0's credentials-exchange hook): no user, and the
 * request's parameters without `client_secret`.
 */
export const CredentialsExchangeInput = t.Object({
  trigger: t.Literal("credentials-exchange"),
  client: RuleInput.properties.client,
  scope: t.Array(t.String()),
  audience: t.String(),
  context: RuleInput.properties.context,
});
export type CredentialsExchangeInput = Static<typeof CredentialsExchangeInput>;

/**
 * The Auth0 Rules pipeline's input (README, "Moving your Auth0 Rules"): Auth0's normalized
 * `user` and its `context` for a password or refresh exchange, the rules' `configuration`
 * values, and what `auth0.domain` and `auth0.baseUrl` say.
 */
export interface PipelineInput {
  trigger: "rules";
  user: Record<string, unknown> & { user_id: string };
  context: Record<string, unknown>;
  configuration: Record<string, string>;
  auth0: { domain: string; baseUrl: string };
  /** `try` only: the result also carries the user and the context as the rules left them. */
  report?: boolean;
}

/**
 * A trigger's Auth0 Actions' input (README, "Moving your Auth0 Actions"): Auth0's `event`
 * for the trigger, without `secrets`, and each bound action's secrets in binding order.
 */
export interface ActionsInput {
  trigger: "actions";
  event: Record<string, unknown>;
  secrets: Record<string, string>[];
}

/** What the password-exchange or the credentials-exchange rule receives. */
export type HookInput = RuleInput | CredentialsExchangeInput;

/** What a rule call receives: a rule's arguments, or the Auth0 Rules pipeline's input. */
export type AnyRuleInput = RuleInput | CredentialsExchangeInput | PipelineInput | ActionsInput;

/** The rules' ids live in the shared vocabulary (src/model/), since storage names them too. */
import type { RuleId } from "../model/rule-ids.ts";

export type { HookId, RuleId } from "../model/rule-ids.ts";

/** What a rule run decides: the final scope and the claims to add to each token. */
export interface RuleOutcome {
  scope: string[];
  accessTokenClaims: Record<string, unknown>;
  idTokenClaims: Record<string, unknown>;
}

/** The rule as stored: which rule, its source, the version it compiles to, and when it was deployed. */
export interface RuleScript {
  /**
   * Which rule (the password-exchange rule unless told): each rule has its own warm hosts,
   * so deploying one does not retire the other's.
   */
  ruleId?: RuleId;
  script: string;
  version: string;
  /** Deploy time in ms: the newest deploy a pool has seen is the version it keeps warm. */
  deployedAt: number;
}

/** One console line of a rule call. */
export interface RuleLogLine {
  level: string;
  text: string;
}

/**
 * Why a rule call produced no result, in the sandbox's own terms; the OAuth layer maps it
 * onto RFC 6749 errors. `denied` is the rule's own error (`cb(err)` or a throw), with the
 * name of its class when it is one of the three the rule environment defines.
 */
export type RuleFailure =
  | {
      kind: "denied";
      errorClass: "InvalidScopeError" | "InvalidRequestError" | "ServerError" | "Error";
      message: string;
    }
  | { kind: "timeout" | "memory" | "crashed" | "busy"; detail: string };

/** Everything one rule call produced, for the token endpoint and for `try`. */
export interface RuleExecution {
  /** The parsed result, when the rule succeeded. */
  result?: unknown;
  failure?: RuleFailure;
  logs: RuleLogLine[];
  durationMs: number;
}
