import type { RuleInput } from "./contract.ts";

/** A complete, realistic rule input, for trying a rule without a real request. */
export function sampleRuleInput(tenant: string, audience: string): RuleInput {
  return {
    user: {
      tenant,
      id: "usr_sample",
      displayName: "Sample User",
      email: "user@example.com",
      user_metadata: {},
      app_metadata: {},
    },
    client: { tenant, id: "cli_sample", name: "Sample client", metadata: {} },
    scope: ["read:sample"],
    audience,
    context: {
      ip: "203.0.113.7",
      userAgent: "rulegate-try",
      webtask: { secrets: {} },
      request: { grant_type: "password", username: "user@example.com", audience, scope: "read:sample" },
    },
  };
}
