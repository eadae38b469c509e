/**
 * planActionsImport on its own: what an a0deploy export becomes against the actions a server
 * has, for the cases the CLI tests do not reach through a server (secrets kept, replaced,
 * removed or given as a keyword; Auth0's runtime alias; a binding to another trigger's action).
 */
import { describe, expect, test } from "bun:test";
import type { ActionView } from "../../src/cli/auth0-actions.ts";
import { planActionsImport, type SecretValues } from "../../src/cli/plan-actions-import.ts";

const TRIGGERS = new Map([
  ["post-login", "v3"],
  ["credentials-exchange", "v2"],
]);
const CODE = "exports.onExecutePostLogin = async () => {};\n";

const values = (given: Record<string, string> = {}, options: Partial<SecretValues> = {}): SecretValues => ({
  secretValue: (_action, secret) => given[secret],
  replace: false,
  allowMissing: false,
  ...options,
});

/** An action as the server shows it: deployed, its draft all deployed. */
const onServer = (name: string, secrets: string[], extra: Partial<ActionView> = {}) =>
  ({
    id: `id-${name}`,
    name,
    supported_triggers: [{ id: "post-login", version: "v3" }],
    all_changes_deployed: true,
    code: CODE,
    dependencies: [],
    runtime: "node18-actions",
    secrets: secrets.map((secret) => ({ name: secret, updated_at: "2026-01-01T00:00:00.000Z" })),
    deployed_version: { number: 1 },
    ...extra,
  }) as unknown as ActionView;

const exported = (entry: Record<string, unknown>) => ({
  actions: [
    {
      entry: {
        name: "a",
        code: CODE,
        runtime: "node18",
        supported_triggers: [{ id: "post-login", version: "v3" }],
        deployed: true,
        ...entry,
      },
      source: "actions/a.json",
    },
  ],
});

describe("secrets", () => {
  test("a secret the action has keeps its value (sent by name): no change, no deploy; node18 is node18-actions", () => {
    const plan = planActionsImport(
      exported({ secrets: [{ name: "K" }] }),
      [onServer("a", ["K"])],
      new Map(),
      TRIGGERS,
      values({ K: "v" }),
    );
    expect([plan.problems, plan.update, plan.deploy, plan.unchanged.length]).toEqual([[], [], [], 1]);
  });

  test("--replace-secrets sends the value given: an update, then a deploy", () => {
    const plan = planActionsImport(
      exported({ secrets: [{ name: "K" }] }),
      [onServer("a", ["K"])],
      new Map(),
      TRIGGERS,
      values({ K: "v" }, { replace: true }),
    );
    expect(plan.update.map((write) => [write.changes, write.body])).toEqual([
      [["secrets"], { secrets: [{ name: "K", value: "v" }] }],
    ]);
    expect(plan.deploy).toEqual(["a"]);
  });

  test("a secret the export does not list is removed; one it lists without a value is missing, or left out when allowed", () => {
    const refused = planActionsImport(
      exported({ secrets: [{ name: "NEW" }] }),
      [onServer("a", ["OLD"])],
      new Map(),
      TRIGGERS,
      values(),
    );
    expect(refused.problems[0]).toBe('action "a" (actions/a.json): the secret NEW has no value');
    const allowed = planActionsImport(
      exported({ secrets: [{ name: "NEW" }] }),
      [onServer("a", ["OLD"])],
      new Map(),
      TRIGGERS,
      values({}, { allowMissing: true }),
    );
    expect(allowed.problems).toEqual([]);
    expect(allowed.update.map((write) => write.body)).toEqual([{ secrets: [] }]);
    expect(allowed.missingSecrets).toEqual([{ action: "a", secret: "NEW" }]);
  });

  test("a value written in the export is used, an a0deploy keyword is not; a keyword for the whole list is refused", () => {
    const plan = planActionsImport(
      exported({
        secrets: [
          { name: "A", value: "given" },
          { name: "B", value: "##B_VALUE##" },
        ],
      }),
      [],
      new Map(),
      TRIGGERS,
      values({}, { allowMissing: true }),
    );
    expect(plan.create[0]!.body.secrets).toEqual([{ name: "A", value: "given" }]);
    expect(plan.missingSecrets).toEqual([{ action: "a", secret: "B" }]);
    const keyword = planActionsImport(
      exported({ secrets: "@@SECRETS@@" }),
      [],
      new Map(),
      TRIGGERS,
      values(),
    );
    expect(keyword.problems).toEqual([
      'action "a" (actions/a.json): secrets is @@SECRETS@@, an a0deploy keyword, which this import does not replace: list the secrets by name',
    ]);
  });
});

describe("deploys and bindings", () => {
  test("an unchanged draft not yet deployed is deployed; one marked not deployed is not", () => {
    const pending = onServer("a", [], { all_changes_deployed: false });
    expect(planActionsImport(exported({}), [pending], new Map(), TRIGGERS, values()).deploy).toEqual(["a"]);
    expect(
      planActionsImport(exported({ deployed: false }), [pending], new Map(), TRIGGERS, values()).deploy,
    ).toEqual([]);
  });

  test("a binding to an action of another trigger, and a trigger that is not a list, are problems", () => {
    const plan = planActionsImport(
      {
        ...exported({}),
        triggers: {
          entry: { "credentials-exchange": [{ action_name: "a" }], "post-login": "a" },
          source: "triggers/triggers.json",
        },
      },
      [],
      new Map(),
      TRIGGERS,
      values(),
    );
    expect(plan.problems).toEqual([
      'triggers/triggers.json credentials-exchange[0]: "a" is a post-login action, not a credentials-exchange one',
      "triggers/triggers.json post-login: must be a list of {action_name, display_name}",
    ]);
  });
});
