import { t } from "elysia";
import {
  deleteRule,
  findRule,
  mergeRuleSecrets,
  readRuleSecrets,
  replaceRuleSecrets,
  saveRule,
} from "../db/rule.ts";
import type { RuleRow } from "../db/schema.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import type { HookId } from "../model/rule-ids.ts";
import { garbageResultError, ruleFailureError } from "../oauth/rule-failure-error.ts";
import { forbiddenSyntax, RULE_SCRIPT_LIMIT } from "../rules/check-rule-source.ts";
import { type HookInput, type RuleId, RuleInput } from "../rules/contract.ts";
import { normalizeCredentialsExchangeOutcome, normalizeOutcome } from "../rules/normalize-outcome.ts";
import type { RulePool } from "../rules/pool.ts";
import { describePosition } from "../rules/protocol.ts";
import { ruleScript } from "../rules/rule-version.ts";
import { sampleRuleInput } from "../rules/sample-input.ts";
import { ApiError, badRequest, notFound } from "./api-error.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";
import { explainedError, runAnswer, throwawayHostsBusy } from "./sandbox-run.ts";

// The size limit is checked by the handlers, so an oversized script is a 413, not a 400.
const Script = t.String({ minLength: 1 });

/** Rule scripts are limited to {@link RULE_SCRIPT_LIMIT} bytes: larger is RFC 9110 §15.5.14's 413. */
export function assertScriptSize(script: string | undefined): void {
  if (script !== undefined && new TextEncoder().encode(script).byteLength > RULE_SCRIPT_LIMIT) {
    throw new ApiError(
      413,
      `The rule script is larger than ${RULE_SCRIPT_LIMIT} bytes.`,
      "payload_too_large",
    );
  }
}

export const PutRule = t.Object(
  { script: Script, enabled: t.Optional(t.Boolean()) },
  { additionalProperties: false },
);

export const Rule = t.Object({
  id: t.Union([t.Literal("password-exchange"), t.Literal("credentials-exchange")]),
  script: t.String(),
  enabled: t.Boolean(),
  updated_at: t.String(),
});

const SECRET_NAME = "^[A-Za-z_][A-Za-z0-9_]{0,63}$";
const SecretValue = t.String({ maxLength: 4096 });
export const PutSecrets = t.Record(t.String({ pattern: SECRET_NAME }), SecretValue, { maxProperties: 50 });
export const PatchSecrets = t.Record(t.String({ pattern: SECRET_NAME }), t.Union([SecretValue, t.Null()]), {
  maxProperties: 50,
});
/** Secret names only: values never leave the server. */
export const SecretNames = t.Object({ names: t.Array(t.String()) });

/** `try`: any part of the input may be given; the rest comes from a sample. */
export const TryRule = t.Object(
  {
    script: t.Optional(Script),
    user: t.Optional(t.Partial(RuleInput.properties.user)),
    client: t.Optional(t.Partial(RuleInput.properties.client)),
    scope: t.Optional(RuleInput.properties.scope),
    audience: t.Optional(t.String({ maxLength: 600 })),
    context: t.Optional(t.Partial(RuleInput.properties.context)),
  },
  { additionalProperties: false },
);

/** `try` of the credentials-exchange rule: its inputs have no user. */
export const TryCredentialsExchangeRule = t.Object(
  {
    script: t.Optional(Script),
    client: t.Optional(t.Partial(RuleInput.properties.client)),
    scope: t.Optional(RuleInput.properties.scope),
    audience: t.Optional(t.String({ maxLength: 600 })),
    context: t.Optional(t.Partial(RuleInput.properties.context)),
  },
  { additionalProperties: false },
);

const ruleView = (row: RuleRow) => ({
  id: row.id as HookId,
  script: row.script,
  enabled: row.enabled,
  updated_at: row.updatedAt.toISOString(),
});

/**
 * Refuses a script that imports or requires modules, does not compile, throws at top
 * level or exports no function; the message gives the line and column where known.
 */
async function assertDeployable(pool: RulePool, script: string): Promise<void> {
  const forbidden = forbiddenSyntax(script);
  if (forbidden) throw badRequest(forbidden);
  const error = await pool.compile(script);
  if (!error) return;
  if (error === "busy") throw throwawayHostsBusy();
  throw new ApiError(
    400,
    `The rule does not compile: ${error.message}${describePosition(error)}`,
    "invalid_rule",
  );
}

/** Runs `try`'s script on its input and reads the result as the token endpoint would. */
async function tryRule(pool: RulePool, ruleId: RuleId, script: string, input: HookInput) {
  const requestId = `try-${crypto.randomUUID()}`;
  const execution = await pool.tryScript(script, input, requestId);
  if (execution.failure?.kind === "busy") throw throwawayHostsBusy();
  const answer = runAnswer(execution);
  if (execution.failure) return { ...answer, ...explainedError(ruleFailureError(execution.failure, ruleId)) };
  try {
    if (ruleId === "credentials-exchange") {
      const { outcome, warnings } = normalizeCredentialsExchangeOutcome(execution.result);
      return {
        ...answer,
        result: execution.result,
        scope: outcome.scope ?? input.scope,
        access_token_claims: outcome.accessTokenClaims,
        warnings,
      };
    }
    const { outcome, warnings } = normalizeOutcome(execution.result);
    return {
      ...answer,
      result: execution.result,
      scope: outcome.scope,
      access_token_claims: outcome.accessTokenClaims,
      id_token_claims: outcome.idTokenClaims,
      warnings,
    };
  } catch (error) {
    // What the token endpoint answers for a result that breaks the rule contract.
    const failure = garbageResultError(String((error as Error).message), ruleId);
    return {
      ...answer,
      result: execution.result,
      ...explainedError(failure),
    };
  }
}

/** `try`'s input: the body's parts over a sample, the stored secrets unless the body gives some. */
async function tryInput(
  deps: Deps,
  ruleId: RuleId,
  body: typeof TryRule.static | typeof TryCredentialsExchangeRule.static,
): Promise<HookInput> {
  const { db } = deps;
  const audience =
    body.audience ?? (await getTenantSettings(db))?.defaultAudience ?? "https://api.example.com";
  const sample = sampleRuleInput(deps.config.tenant, audience);
  const common = {
    client: { ...sample.client, ...body.client },
    scope: body.scope ?? sample.scope,
    audience,
    context: {
      ...sample.context,
      ...(ruleId === "credentials-exchange"
        ? { request: { grant_type: "client_credentials", audience, scope: sample.scope.join(" ") } }
        : {}),
      ...body.context,
      webtask: body.context?.webtask ?? { secrets: await readRuleSecrets(db, ruleId) },
    },
  };
  if (ruleId === "credentials-exchange") return { trigger: "credentials-exchange", ...common };
  const user = "user" in body ? body.user : undefined;
  return { user: { ...sample.user, ...user }, ...common };
}

/**
 * `/api/v2/rules/<rule>`: one rule (README, "The password-exchange rule", "The
 * credentials-exchange rule"), its secrets, and `try`, which runs a script on a sample input
 * in the same sandbox without deploying it.
 */
export function ruleRoutes(deps: Deps, pool: RulePool, ruleId: HookId) {
  const { db } = deps;
  /** The secrets' names, never their values. */
  const secretNames = async () => ({ names: Object.keys(await readRuleSecrets(db, ruleId)).sort() });
  return managementPlugin(deps, `/rules/${ruleId}`)
    .get(
      "",
      async () => {
        const row = await findRule(db, ruleId);
        if (!row) throw notFound("rule");
        return ruleView(row);
      },
      { response: Rule },
    )
    .put(
      "",
      async ({ body }) => {
        assertScriptSize(body.script);
        await assertDeployable(pool, body.script);
        const row = await saveRule(
          db,
          { script: body.script, enabled: body.enabled ?? true, updatedAt: deps.clock.now() },
          ruleId,
        );
        deps.log.info(
          { event: "rule_deployed", rule: ruleId, enabled: row.enabled },
          `${ruleId} rule deployed`,
        );
        // Warm hosts for the new version now, so the next exchange does not wait for one.
        if (row.enabled) pool.prepare(ruleScript(row.script, row.updatedAt, ruleId));
        return ruleView(row);
      },
      { body: PutRule, response: Rule },
    )
    .delete("", async () => {
      if (!(await deleteRule(db, ruleId))) throw notFound("rule");
      return noContent();
    })
    .get("/secrets", () => secretNames(), {
      response: SecretNames,
    })
    .put(
      "/secrets",
      async ({ body }) => {
        await replaceRuleSecrets(db, body, deps.clock.now(), ruleId);
        return await secretNames();
      },
      { body: PutSecrets, response: SecretNames },
    )
    .patch(
      "/secrets",
      async ({ body }) => {
        await mergeRuleSecrets(db, body, deps.clock.now(), ruleId);
        return await secretNames();
      },
      { body: PatchSecrets, response: SecretNames },
    )
    .post(
      "/try",
      async ({ body }) => {
        assertScriptSize(body.script);
        const script = body.script ?? (await findRule(db, ruleId))?.script;
        if (script === undefined) throw badRequest("No script was given and no rule is deployed.");
        const forbidden = forbiddenSyntax(script);
        if (forbidden) throw badRequest(forbidden);
        return await tryRule(pool, ruleId, script, await tryInput(deps, ruleId, body));
      },
      { body: ruleId === "credentials-exchange" ? TryCredentialsExchangeRule : TryRule },
    );
}
