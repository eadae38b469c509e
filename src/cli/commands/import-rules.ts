import type { Command } from "commander";
import { type ApiClient, CliError } from "../api-client.ts";
import { type Auth0Rule, listRules, RULES_PATH, ruleUrl } from "../auth0-rules.ts";
import type { CliContext } from "../context.ts";
import {
  type ImportedRule,
  planRulesImport,
  type RulesImportPlan,
  type RuleUpdate,
} from "../plan-rules-import.ts";
import { readRulesExport } from "../read-rules-export.ts";

/** What was done (or, in a dry run, would be) to one rule, for the report. */
type Outcome =
  | { action: "created"; rule: Auth0Rule | (ImportedRule & { order: number }) }
  | { action: "updated"; rule: Auth0Rule; changes: string[] }
  | { action: "unchanged"; rule: Auth0Rule }
  | { action: "moved"; rule: Auth0Rule; from: number }
  | { action: "skipped"; name: string; reason: string };

type Action = Outcome["action"];

/** An update's outcome: the rule as it is after it, and what changed (`script`, `enabled`, `order 3 → 1`). */
const updated = (update: RuleUpdate): Outcome => ({
  action: "updated",
  rule: {
    ...update.rule,
    ...(update.script !== undefined && { script: update.script }),
    ...(update.enabled !== undefined && { enabled: update.enabled }),
    ...(update.order !== undefined && { order: update.order }),
  },
  changes: [
    ...(update.script !== undefined ? ["script"] : []),
    ...(update.enabled !== undefined ? [update.enabled ? "enabled" : "disabled"] : []),
    ...(update.order !== undefined ? [`order ${update.rule.order} → ${update.order}`] : []),
  ],
});

/** The updates and moves of a plan, as outcomes. */
const changedOutcomes = (plan: RulesImportPlan): Outcome[] => [
  ...plan.update.map(updated),
  ...plan.moved.map(
    ({ rule, order }): Outcome => ({ action: "moved", rule: { ...rule, order }, from: rule.order }),
  ),
];

/**
 * The server's verdict on every script the import would write, before anything is written:
 * `POST /api/v2/rules/try` checks a script as a create or update does (the same 400 with the
 * line and column, or 413) and then runs it once in a throwaway sandbox, which writes nothing.
 * @returns one message per script refused, naming its rule
 */
async function refusedScripts(api: ApiClient, plan: RulesImportPlan): Promise<string[]> {
  const scripts = [
    ...plan.create,
    ...plan.update.flatMap(({ rule, source, script }) =>
      script === undefined ? [] : [{ name: rule.name, source, script }],
    ),
  ];
  const refused: string[] = [];
  for (const { name, source, script } of scripts) {
    try {
      await api.call("POST", `${RULES_PATH}/try`, { script });
    } catch (error) {
      if (!(error instanceof CliError) || (error.status !== 400 && error.status !== 413)) throw error;
      refused.push(`rule "${name}" (${source}): ${error.message}`);
    }
  }
  return refused;
}

/**
 * Carries out a plan: the scripts and states of existing rules, then the orders (parking
 * first, so no PATCH asks for an order another rule holds), then the new rules on orders by
 * then free. What is done lands in `done` as it is done.
 */
async function applyPlan(api: ApiClient, plan: RulesImportPlan, done: Outcome[]): Promise<void> {
  for (const { rule, script, enabled } of plan.update) {
    if (script !== undefined || enabled !== undefined)
      await api.call("PATCH", ruleUrl(rule.id), { script, enabled });
  }
  for (const patch of plan.orders) await api.call("PATCH", ruleUrl(patch.id), { order: patch.order });
  done.push(...changedOutcomes(plan));
  for (const rule of plan.create) {
    const created = await api.call<Auth0Rule>("POST", RULES_PATH, {
      name: rule.name,
      script: rule.script,
      order: rule.order,
      enabled: rule.enabled,
    });
    done.push({ action: "created", rule: created });
  }
}

/** What a dry run says instead: what it would do. */
const DRY_VERBS: Record<Action, string> = {
  created: "create",
  updated: "update",
  unchanged: "unchanged",
  moved: "move",
  skipped: "skip",
};

/** One count of the summary: `2 created`, or in a dry run `2 to create`. */
const count = (action: Action, how: number, dryRun: boolean) =>
  !dryRun || action === "unchanged" || action === "skipped"
    ? `${how} ${action}`
    : `${how} to ${DRY_VERBS[action]}`;

/** One rule's line: what happened, its id, its order, its name and the details. */
function line(outcome: Outcome, dryRun: boolean): string {
  const verb = (dryRun ? DRY_VERBS[outcome.action] : outcome.action).padEnd(9);
  if (outcome.action === "skipped") return `${verb}  ${outcome.name} (${outcome.reason})`;
  const { rule } = outcome;
  const head = `${verb}  ${"id" in rule ? rule.id : "(new)"}  order ${rule.order}  ${rule.name}`;
  if (outcome.action === "updated") return `${head} (${outcome.changes.join(", ")})`;
  if (outcome.action === "moved") return `${head} (was ${outcome.from}: an imported rule takes that order)`;
  return outcome.action === "created" && !rule.enabled ? `${head} (disabled)` : head;
}

/**
 * The report: one line per rule in the order they are to run (the skipped ones last), then
 * the counts; with --json `{dry_run, created, updated, unchanged, moved, skipped}`.
 */
function report(cli: CliContext, unsorted: Outcome[], dryRun: boolean): void {
  const out = cli.out();
  const position = (outcome: Outcome) =>
    outcome.action === "skipped" ? Number.POSITIVE_INFINITY : outcome.rule.order;
  const outcomes = [...unsorted].sort((a, b) => position(a) - position(b));
  const of = <Which extends Action>(action: Which) =>
    outcomes.filter((outcome): outcome is Extract<Outcome, { action: Which }> => outcome.action === action);
  if (out.json) {
    const brief = (rule: { name: string; order: number; enabled: boolean; id?: string }) => ({
      ...(rule.id !== undefined && { id: rule.id }),
      name: rule.name,
      order: rule.order,
      enabled: rule.enabled,
    });
    return out.show({
      dry_run: dryRun,
      created: of("created").map((outcome) => brief(outcome.rule)),
      updated: of("updated").map((outcome) => ({ ...brief(outcome.rule), changes: outcome.changes })),
      unchanged: of("unchanged").map((outcome) => brief(outcome.rule)),
      moved: of("moved").map((outcome) => ({ ...brief(outcome.rule), from: outcome.from })),
      skipped: of("skipped").map(({ name, reason }) => ({ name, reason })),
    });
  }
  out.list(outcomes, (outcome) => line(outcome, dryRun));
  const counts = (["created", "updated", "unchanged", "moved", "skipped"] as const)
    .map((action) => count(action, of(action).length, dryRun))
    .join(", ");
  out.note(dryRun ? `dry run, nothing written: ${counts}` : counts);
}

/**
 * `rulegate import rules <path>`: Auth0's rules, by name, from `GET /api/v2/rules` saved as
 * JSON or from an a0deploy export (directory or YAML); see {@link planRulesImport} for the
 * orders. Nothing is written when the export has a problem or a script does not compile.
 */
export function registerRulesImport(imports: Command, cli: CliContext): void {
  imports
    .command("rules <path>")
    .description(
      "create or update Auth0 Rules by name from an export: GET /api/v2/rules saved as JSON, or an a0deploy directory (rules/*.json + .js) or YAML (tenant.yaml) export",
    )
    .option("--dry-run", "show what would change, write nothing")
    .addHelpText(
      "after",
      `
Rules are matched by name; the export's ids are not reused. Each keeps the export's order;
a rule already here whose order an imported rule takes moves after the last. Every script
is first checked by the server (POST /api/v2/rules/try, which writes nothing): if one does
not compile, nothing is imported. A rule without "enabled" is enabled (a0deploy's default);
rules of Auth0's other stages are skipped. Importing the same export again changes nothing.`,
    )
    .action(async (path: string, options) => {
      const exported = await readRulesExport(path);
      const api = cli.api();
      const plan = planRulesImport(exported, await listRules(api));
      if (plan.problems.length > 0)
        throw new CliError(`${path}: nothing imported: ${plan.problems.join("; ")}`);
      const refused = await refusedScripts(api, plan);
      if (refused.length > 0) throw new CliError(`${path}: nothing imported: ${refused.join("; ")}`);
      const outcomes: Outcome[] = [
        ...plan.skipped.map(({ name, reason }): Outcome => ({ action: "skipped", name, reason })),
        ...plan.unchanged.map((rule): Outcome => ({ action: "unchanged", rule })),
      ];
      if (options.dryRun) {
        const planned = plan.create.map((rule): Outcome => ({ action: "created", rule }));
        return report(cli, [...outcomes, ...changedOutcomes(plan), ...planned], true);
      }
      const done: Outcome[] = [];
      try {
        await applyPlan(api, plan, done);
      } catch (error) {
        report(cli, [...outcomes, ...done], false);
        const message = error instanceof Error ? error.message : String(error);
        throw new CliError(`${message}; the import stopped part-way: run it again to finish it`);
      }
      report(cli, [...outcomes, ...done], false);
    });
}
