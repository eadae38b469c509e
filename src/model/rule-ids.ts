/**
 * The extension code's ids: the password-exchange and the client credentials exchange rules,
 * and `rules`, the pipeline of Auth0 Rules (`function (user, context, callback)`, run in
 * order on password and refresh exchanges) whose secrets are the rules' configuration values,
 * and the flows of Auth0's Actions bound to each trigger.
 */
export const RULE_IDS = [
  "password-exchange",
  "credentials-exchange",
  "rules",
  "post-login-actions",
  "credentials-exchange-actions",
] as const;

/** One rule's id: the row of the `rules` (or `rule_secrets`) table and the pool's group it runs in. */
export type RuleId = (typeof RULE_IDS)[number];

/** The Auth0 Rules pipeline's id (its hosts' group, its configuration values' row). */
export const RULES_PIPELINE = "rules" satisfies RuleId;

/** The two rules of the `rules` table, each deployed as one script (README, "The password-exchange rule"). */
export const HOOK_IDS = ["password-exchange", "credentials-exchange"] as const satisfies readonly RuleId[];
export type HookId = (typeof HOOK_IDS)[number];

/** Auth0's Action triggers Rulegate runs (README, "Moving your Auth0 Actions"), each with its flow's id. */
export const ACTION_TRIGGERS = {
  "post-login": "post-login-actions",
  "credentials-exchange": "credentials-exchange-actions",
} as const satisfies Record<string, RuleId>;
export type ActionTriggerId = keyof typeof ACTION_TRIGGERS;
