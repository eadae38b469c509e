/** The rules, one per extension point: the password exchange and the client credentials exchange. */
export const RULE_IDS = ["password-exchange", "credentials-exchange"] as const;

/** One rule's id: the row of the `rules` table and the pool's group it runs in. */
export type RuleId = (typeof RULE_IDS)[number];
