import { type Static, Type as t } from "@sinclair/typebox";

const JsonObject = t.Record(t.String(), t.Unknown());

/** SPEC §4: the rule's inputs, `(user, client, scope, audience, context, cb)`. */
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

/** What a rule run decides: the final scope and the claims to add to each token. */
export interface RuleOutcome {
  scope: string[];
  accessTokenClaims: Record<string, unknown>;
  idTokenClaims: Record<string, unknown>;
}

/** The rule as stored: its source and the version it was saved at. */
export interface RuleScript {
  script: string;
  version: string;
}

/** One console line of a rule call. */
export interface RuleLogLine {
  level: string;
  text: string;
}

/** Runs the rule in the sandbox (src/rules); throws OAuthErrors for denials and failures. */
export interface RuleRunner {
  /**
   * @param onConsole receives each console line as the rule writes it
   * @returns the outcome, and the warnings about what was dropped from the result
   */
  run(
    rule: RuleScript,
    input: RuleInput,
    requestId: string,
    onConsole?: (line: RuleLogLine) => void,
  ): Promise<{ outcome: RuleOutcome; warnings: string[] }>;
}
