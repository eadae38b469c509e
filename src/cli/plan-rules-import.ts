import type { Auth0Rule } from "./auth0-rules.ts";
import type { ExportedRule } from "./read-rules-export.ts";
import { freeOrders, MAX_RULE_ORDER, type OrderPatch, orderPatches } from "./rule-orders.ts";

/** Auth0's only stage still in use; the others never ran on a token exchange. */
const STAGE = "login_success";

/** An exported rule once checked: what the server is to hold under its name. */
export interface ImportedRule {
  name: string;
  script: string;
  /** Absent when the export gives none (a0deploy allows that): the rule goes after the others. */
  order?: number;
  enabled: boolean;
  source: string;
}

/** A rule of the export that exists by name, and what changes in it. */
export interface RuleUpdate {
  rule: Auth0Rule;
  /** Where the export has it, for messages. */
  source: string;
  script?: string;
  enabled?: boolean;
  order?: number;
}

/**
 * What `rulegate import rules` does, worked out before anything is written. Rules are matched
 * by name (an export's ids are its tenant's, never reused); `orders` are the PATCHes that put
 * every existing rule on its new order without a conflict on the way ({@link orderPatches}),
 * done before `create`.
 */
export interface RulesImportPlan {
  /** Why the export cannot be imported at all; when there are any, nothing is written. */
  problems: string[];
  skipped: Array<{ name: string; reason: string }>;
  create: Array<ImportedRule & { order: number }>;
  update: RuleUpdate[];
  unchanged: Auth0Rule[];
  /** Rules on the server that the export does not name, whose order an imported rule takes. */
  moved: Array<{ rule: Auth0Rule; order: number }>;
  orders: OrderPatch[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** One exported rule checked, or why it is skipped or cannot be imported. */
function checkEntry({ entry, source }: ExportedRule): ImportedRule | { skip: string; name: string } | string {
  if (!isObject(entry)) return `${source} is not a rule (a JSON object)`;
  const { name, script, order, enabled, stage } = entry;
  if (typeof name !== "string" || name === "") return `${source} has no name`;
  const where = `${source} (${name})`;
  if (stage !== undefined && stage !== null && stage !== STAGE)
    return { name, skip: `stage ${String(stage)}: only ${STAGE} rules run on token exchanges` };
  if (typeof script !== "string" || script.trim() === "") return `${where} has no script`;
  if (order !== undefined && order !== null && !(Number.isInteger(order) && (order as number) >= 0))
    return `${where}: order must be a whole number from 0`;
  if ((order as number) > MAX_RULE_ORDER) return `${where}: order must be at most ${MAX_RULE_ORDER}`;
  if (enabled !== undefined && enabled !== null && typeof enabled !== "boolean")
    return `${where}: enabled must be true or false`;
  return {
    name,
    script,
    ...(typeof order === "number" && { order }),
    // a0deploy's default for a rule that does not say.
    enabled: (enabled as boolean | null | undefined) ?? true,
    source,
  };
}

/** The names or orders two imported rules share, as problems. */
function duplicates(rules: ImportedRule[], key: "name" | "order"): string[] {
  const first = new Map<unknown, ImportedRule>();
  const problems: string[] = [];
  for (const rule of rules) {
    const value = rule[key];
    if (value === undefined) continue;
    const earlier = first.get(value);
    if (earlier)
      problems.push(`${earlier.source} and ${rule.source} both have the ${key} ${JSON.stringify(value)}`);
    else first.set(value, rule);
  }
  return problems;
}

/**
 * Where the rules end: each imported rule with an order on it; the rules on the server that
 * hold one of those orders (and are not imported with an order of their own) after every
 * order still held, in their present order; then the new rules without an order, in the
 * export's order.
 * @returns the new order of each existing rule that has one, those displaced, and the orders of the new rules without one
 */
function placeRules(imported: ImportedRule[], existing: Auth0Rule[], byName: Map<string, Auth0Rule>) {
  const taken = new Set(imported.flatMap((rule) => (rule.order === undefined ? [] : [rule.order])));
  const finals = new Map<string, number>();
  for (const rule of imported) {
    const current = byName.get(rule.name);
    if (current && rule.order !== undefined) finals.set(current.id, rule.order);
  }
  const displaced = existing.filter((rule) => !finals.has(rule.id) && taken.has(rule.order));
  for (const rule of existing) if (!finals.has(rule.id) && !displaced.includes(rule)) taken.add(rule.order);
  const unordered = imported.filter((rule) => rule.order === undefined && !byName.has(rule.name));
  const after = freeOrders(taken, displaced.length + unordered.length);
  for (const [index, rule] of displaced.entries()) finals.set(rule.id, after[index]!);
  const newOrders = new Map(unordered.map((rule, index) => [rule.name, after[displaced.length + index]!]));
  return { finals, displaced, newOrders };
}

/**
 * Plans the import of an Auth0 export into the rules a server has. An imported rule keeps
 * the export's order; a rule already on the server whose order an imported rule takes (one
 * the export does not name, or names without an order) moves after all the others, as
 * a0deploy moves a conflicting rule; an imported rule without an order keeps the one it
 * has, or a new one goes last. Importing the same export again plans no change.
 * @param existing every rule on the server
 */
export function planRulesImport(exported: ExportedRule[], existing: Auth0Rule[]): RulesImportPlan {
  const plan: RulesImportPlan = {
    problems: [],
    skipped: [],
    create: [],
    update: [],
    unchanged: [],
    moved: [],
    orders: [],
  };
  const imported: ImportedRule[] = [];
  for (const entry of exported) {
    const checked = checkEntry(entry);
    if (typeof checked === "string") plan.problems.push(checked);
    else if ("skip" in checked) plan.skipped.push({ name: checked.name, reason: checked.skip });
    else imported.push(checked);
  }
  plan.problems.push(...duplicates(imported, "name"), ...duplicates(imported, "order"));
  if (plan.problems.length > 0) return plan;

  const byName = new Map(existing.map((rule) => [rule.name, rule]));
  const { finals, displaced, newOrders } = placeRules(imported, existing, byName);

  for (const rule of imported) {
    const current = byName.get(rule.name);
    if (!current) {
      plan.create.push({ ...rule, order: rule.order ?? newOrders.get(rule.name)! });
      continue;
    }
    const order = finals.get(current.id) ?? current.order;
    const update: RuleUpdate = {
      rule: current,
      source: rule.source,
      ...(rule.script !== current.script && { script: rule.script }),
      ...(rule.enabled !== current.enabled && { enabled: rule.enabled }),
      ...(order !== current.order && { order }),
    };
    const changed = update.script !== undefined || update.enabled !== undefined || update.order !== undefined;
    if (changed) plan.update.push(update);
    else plan.unchanged.push(current);
  }
  const importedNames = new Set(imported.map((rule) => rule.name));
  plan.moved = displaced
    .filter((rule) => !importedNames.has(rule.name))
    .map((rule) => ({ rule, order: finals.get(rule.id)! }));
  plan.orders = orderPatches(
    existing,
    finals,
    plan.create.map((rule) => rule.order),
  );
  return plan;
}
