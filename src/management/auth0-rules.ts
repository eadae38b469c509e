import { t } from "elysia";
import {
  auth0RuleTaken,
  deleteAuth0Rule,
  findAuth0Rule,
  findPipeline,
  insertAuth0Rule,
  listAuth0Rules,
  nextAuth0RuleOrder,
  updateAuth0Rule,
} from "../db/auth0-rules.ts";
import { isUniqueViolation } from "../db/errors.ts";
import type { Auth0RuleRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { auth0RuleModules, checkAuth0RuleSource } from "../rules/auth0-rule-source.ts";
import { RULE_SCRIPT_LIMIT } from "../rules/check-rule-source.ts";
import { describePosition } from "../rules/protocol.ts";
import { pipelineScript } from "../rules/rule-version.ts";
import { newId } from "../security/new-id.ts";
import { ApiError, notFound } from "./api-error.ts";
import { FieldsQuery, projectFields } from "./fields.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";
import { ListQuery, listAnswer, pageOf } from "./pagination.ts";
import { assertScriptSize } from "./rule.ts";

/** Auth0's only stage still in use (Auth0 Management API v2, Rules). */
const STAGE = "login_success";

/**
 * Auth0's rule name (Management API v2, `POST /api/v2/rules`): letters, digits, spaces and
 * `-`, neither first nor last a space or `-`. Auth0 documents no length; 255 bounds it here.
 */
const RuleName = t.String({ pattern: "^[a-zA-Z0-9]([ \\-a-zA-Z0-9]*[a-zA-Z0-9])?$", maxLength: 255 });
// The size limit is checked by the handlers, so an oversized script is a 413, not a 400.
const RuleSource = t.String({ minLength: 1 });
/**
 * Lower runs first; a PostgreSQL `integer` holds it. `null` is no order given (a0deploy sends
 * it for a rule its file gives none): after the last on create, unchanged on update.
 */
const RuleOrder = t.Union([t.Integer({ minimum: 0, maximum: 2_147_483_647 }), t.Null()]);

export const CreateAuth0Rule = t.Object(
  {
    name: RuleName,
    script: RuleSource,
    order: t.Optional(RuleOrder),
    enabled: t.Optional(t.Boolean()),
    /** Auth0's create took a stage; an export sends it back. Only `login_success` runs. */
    stage: t.Optional(t.Literal(STAGE)),
  },
  { additionalProperties: false },
);

export const UpdateAuth0Rule = t.Object(
  {
    name: t.Optional(RuleName),
    script: t.Optional(RuleSource),
    order: t.Optional(RuleOrder),
    enabled: t.Optional(t.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Auth0Rule = t.Object({
  id: t.String(),
  name: t.String(),
  script: t.String(),
  order: t.Integer(),
  enabled: t.Boolean(),
  stage: t.Literal(STAGE),
});
export type Auth0Rule = typeof Auth0Rule.static;

/** Auth0's parameters of `GET /api/v2/rules`. */
export const RulesQuery = t.Object({
  ...ListQuery.properties,
  ...FieldsQuery,
  enabled: t.Optional(t.Boolean({ title: "enabled" })),
});

const ruleView = (row: Auth0RuleRow): Auth0Rule => ({
  id: row.id,
  name: row.name,
  script: row.script,
  order: row.order,
  enabled: row.enabled,
  stage: STAGE,
});

/** Auth0's 409 for a name or order another rule has (`rule_conflict`). */
const ruleConflict = (field: "name" | "order") =>
  new ApiError(409, `A rule with the same ${field} already exists`, "rule_conflict");

/**
 * Refuses a script over {@link RULE_SCRIPT_LIMIT} bytes (RFC 9110 §15.5.14's 413), and one
 * that is not one function, does not parse or imports a module (400, with the line and
 * column in the rule's own source when the parser gives them).
 */
export function assertRuleSource(script: string | undefined): void {
  if (script === undefined) return;
  assertScriptSize(script);
  const error = checkAuth0RuleSource(script);
  if (!error) return;
  throw new ApiError(
    400,
    `The rule does not compile: ${error.message}${describePosition(error)}`,
    "invalid_rule",
  );
}

/** Refuses a rule that requires a module rules cannot load here (README, "Calling your services from a rule"). */
export function assertRuleModules(deps: Pick<Deps, "rules">, script: string | undefined): void {
  if (script === undefined) return;
  const problem = deps.rules.modulesProblem(auth0RuleModules(script));
  if (problem) throw new ApiError(400, `The rule does not load: ${problem}`, "invalid_rule");
}

/** Auth0's 409 when another rule than `exceptId` has the name or order asked for. */
async function assertFree(
  deps: Pick<Deps, "db">,
  wanted: { name?: string; order?: number },
  exceptId?: string,
): Promise<void> {
  if (wanted.name !== undefined && (await auth0RuleTaken(deps.db, "name", wanted.name, exceptId)))
    throw ruleConflict("name");
  if (wanted.order !== undefined && (await auth0RuleTaken(deps.db, "order", wanted.order, exceptId)))
    throw ruleConflict("order");
}

/**
 * A write that lost a race for a name or order (a unique violation after {@link assertFree}
 * passed) is the same 409; any other failure is rethrown.
 */
async function conflictOf(
  deps: Pick<Deps, "db">,
  error: unknown,
  wanted: { name?: string; order?: number },
  exceptId?: string,
): Promise<never> {
  if (!isUniqueViolation(error)) throw error;
  await assertFree(deps, wanted, exceptId);
  throw ruleConflict("name");
}

/**
 * Warms hosts for the pipeline as it now is (the enabled rules in order, the configuration's
 * change time), so the next exchange does not wait for one; nothing when no rule is enabled.
 */
export async function preparePipeline(deps: Pick<Deps, "db" | "rules">): Promise<void> {
  const pipeline = await findPipeline(deps.db);
  if (pipeline) deps.rules.prepare(pipelineScript(pipeline));
}

/**
 * Runs writes one after another in this process, so that concurrent creates (a0deploy sends
 * them in parallel) see each other's name and order: a rule created without an order goes
 * after the one created just before it rather than colliding with it.
 */
function oneAtATime() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = last.then(work, work);
    last = run.catch(() => undefined);
    return run;
  };
}

/** Stores a new rule: at its order, or after the last. */
async function createRule(deps: Deps, body: typeof CreateAuth0Rule.static): Promise<Auth0RuleRow> {
  const { db } = deps;
  assertRuleSource(body.script);
  assertRuleModules(deps, body.script);
  const given = body.order ?? undefined;
  await assertFree(deps, { name: body.name, order: given });
  const now = deps.clock.now();
  // Without an order the rule goes after the last; another node creating one at the same
  // time may pick the same order, so the loser picks again.
  for (let attempt = 1; ; attempt++) {
    const order = given ?? (await nextAuth0RuleOrder(db));
    try {
      return await insertAuth0Rule(db, {
        id: newId("rul"),
        name: body.name,
        script: body.script,
        order,
        enabled: body.enabled ?? true,
        stage: STAGE,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      const retry = given === undefined && attempt < 5 && isUniqueViolation(error);
      if (!retry || (await auth0RuleTaken(db, "name", body.name)))
        return await conflictOf(deps, error, { name: body.name, order });
    }
  }
}

/** Changes what `body` gives of a rule. */
async function updateRule(
  deps: Deps,
  id: string,
  body: typeof UpdateAuth0Rule.static,
): Promise<Auth0RuleRow> {
  assertRuleSource(body.script);
  assertRuleModules(deps, body.script);
  const current = await findAuth0Rule(deps.db, id);
  if (!current) throw notFound("rule");
  const wanted = { name: body.name, order: body.order ?? undefined };
  await assertFree(deps, wanted, current.id);
  let row: Auth0RuleRow | undefined;
  try {
    row = await updateAuth0Rule(deps.db, current.id, {
      name: body.name,
      script: body.script,
      order: wanted.order,
      enabled: body.enabled,
      updatedAt: deps.clock.now(),
    });
  } catch (error) {
    return await conflictOf(deps, error, wanted, current.id);
  }
  if (!row) throw notFound("rule");
  return row;
}

/**
 * `/api/v2/rules` and `/api/v2/rules/{id}`: Auth0's Rules (README, "Moving your Auth0 Rules"),
 * run in order on password and refresh exchanges. The password-exchange and
 * credentials-exchange rules keep their own static routes (`/api/v2/rules/password-exchange`,
 * …), which the router matches before `{id}`. Each write warms the pipeline it leaves.
 */
export function auth0RulesRoutes(deps: Deps) {
  const { db } = deps;
  const write = oneAtATime();
  return managementPlugin(deps, "/rules")
    .get(
      "",
      async ({ query }) => {
        const { rows, total } = await listAuth0Rules(db, { enabled: query.enabled }, pageOf(query));
        return listAnswer(
          query,
          "rules",
          rows.map((row) => projectFields(ruleView(row), query)),
          total,
        );
      },
      { query: RulesQuery },
    )
    .post(
      "",
      async ({ body, set }) => {
        const row = await write(() => createRule(deps, body));
        deps.log.info({ event: "auth0_rule_created", rule: row.id, order: row.order }, "rule created");
        await preparePipeline(deps);
        set.status = 201;
        return ruleView(row);
      },
      { body: CreateAuth0Rule, response: { 201: Auth0Rule } },
    )
    .get(
      "/:id",
      async ({ params, query }) => {
        const row = await findAuth0Rule(db, params.id);
        if (!row) throw notFound("rule");
        return projectFields(ruleView(row), query);
      },
      { query: t.Object(FieldsQuery) },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        const row = await write(() => updateRule(deps, params.id, body));
        deps.log.info({ event: "auth0_rule_updated", rule: row.id, order: row.order }, "rule updated");
        await preparePipeline(deps);
        return ruleView(row);
      },
      { body: UpdateAuth0Rule, response: Auth0Rule },
    )
    .delete("/:id", async ({ params }) => {
      if (!(await write(() => deleteAuth0Rule(db, params.id, deps.clock.now())))) throw notFound("rule");
      deps.log.info({ event: "auth0_rule_deleted", rule: params.id }, "rule deleted");
      await preparePipeline(deps);
      return noContent();
    });
}
