import type { Command } from "commander";
import { CliError } from "../api-client.ts";
import { type Auth0Rule, findRule, listRules, RULES_PATH, ruleUrl } from "../auth0-rules.ts";
import type { CliContext } from "../context.ts";
import { integer } from "../parse.ts";
import { readText } from "../read-file.ts";
import { orderPatches } from "../rule-orders.ts";
import { registerRulesConfig } from "./rules-config.ts";
import { registerRulesTry } from "./rules-try.ts";

/** One rule on one line: its order, id, state and name. */
const line = (rule: Auth0Rule) =>
  `${String(rule.order).padStart(3)}  ${rule.id}  ${rule.enabled ? "enabled " : "disabled"}  ${rule.name}`;

/** What a write prints: the rule with --json, else one line. */
const written = (cli: CliContext, verb: string, rule: Auth0Rule) =>
  cli.out().json
    ? cli.out().show(rule)
    : cli
        .out()
        .note(
          `${verb} ${rule.id} "${rule.name}" (order ${rule.order}, ${rule.enabled ? "enabled" : "disabled"})`,
        );

/**
 * `rulegate rules …`: Auth0 Rules, `function (user, context, callback)` scripts run in order on
 * password and refresh exchanges (`/api/v2/rules`). Not the password-exchange hook of
 * `rulegate rule`. A rule is named by its id (`rul_…`) or its name.
 */
export function registerRules(program: Command, cli: CliContext): void {
  const rules = program
    .command("rules")
    .description(
      "Auth0 Rules: function (user, context, callback) scripts run in order on password and refresh exchanges (not the password-exchange hook: see `rulegate rule`)",
    )
    .addHelpText(
      "after",
      "\nA <rule> is its id (rul_…) or its name.\nThe values rules read as configuration.KEY: `rulegate rules config`.",
    );
  rules
    .command("list")
    .description("list the rules in the order they run: order, id, state, name")
    .option("--enabled", "only the enabled rules (those that run)")
    .option("--disabled", "only the disabled rules")
    .action(async (options) => {
      if (options.enabled && options.disabled) throw new CliError("give --enabled or --disabled, not both");
      const enabled = options.enabled ? true : options.disabled ? false : undefined;
      const found = await listRules(cli.api(), enabled);
      if (found.length === 0 && !cli.out().json) return cli.out().note("no rules");
      cli.out().list(found, line);
    });
  rules
    .command("show <rule>")
    .description("show a rule and its script")
    .action(async (reference: string) => {
      const rule = await findRule(cli.api(), reference);
      if (cli.out().json) return cli.out().show(rule);
      cli.out().note(`${line(rule).trim()}\n`);
      cli.out().note(rule.script);
    });
  rules
    .command("create")
    .description("create a rule from a script file (it runs at once unless --disabled)")
    .requiredOption("--name <name>", "its name: letters, digits, spaces and -, unique")
    .requiredOption("--script <file>", "the file holding function (user, context, callback) { … }")
    .option("--order <n>", "when it runs, lower first, unique (default: after the last)", integer)
    .option("--disabled", "create it disabled")
    .action(async (options) => {
      const script = await readText(options.script);
      const rule = await cli.api().call<Auth0Rule>("POST", RULES_PATH, {
        name: options.name,
        script,
        order: options.order,
        enabled: !options.disabled,
      });
      written(cli, "created", rule);
    });
  rules
    .command("update <rule>")
    .description("change a rule's script, name or order")
    .option("--script <file>", "the new script")
    .option("--name <name>", "a new name")
    .option("--order <n>", "a new order (one no other rule has; see `rules reorder`)", integer)
    .action(async (reference: string, options) => {
      if (options.script === undefined && options.name === undefined && options.order === undefined)
        throw new CliError("nothing to change: give --script, --name or --order");
      const script = options.script === undefined ? undefined : await readText(options.script);
      const api = cli.api();
      const current = await findRule(api, reference);
      const rule = await api.call<Auth0Rule>("PATCH", ruleUrl(current.id), {
        script,
        name: options.name,
        order: options.order,
      });
      written(cli, "updated", rule);
    });
  for (const enabled of [true, false]) {
    rules
      .command(`${enabled ? "enable" : "disable"} <rule>`)
      .description(enabled ? "run the rule on every exchange" : "keep the rule but skip it")
      .action(async (reference: string) => {
        const api = cli.api();
        const current = await findRule(api, reference);
        written(
          cli,
          enabled ? "enabled" : "disabled",
          await api.call<Auth0Rule>("PATCH", ruleUrl(current.id), { enabled }),
        );
      });
  }
  rules
    .command("delete <rule>")
    .description("delete a rule")
    .action(async (reference: string) => {
      const api = cli.api();
      const rule = await findRule(api, reference);
      await api.call("DELETE", ruleUrl(rule.id));
      cli.out().note(`deleted ${rule.id} "${rule.name}"`);
    });
  rules
    .command("reorder <rule...>")
    .description(
      "run these rules in the order given, on the orders they hold between them (the other rules keep theirs)",
    )
    .addHelpText(
      "after",
      "\nExample: rules a (order 1), b (2), c (5); `rulegate rules reorder c a` gives c order 1 and a order 5.",
    )
    .action(async (references: string[]) => {
      const api = cli.api();
      const all = await listRules(api);
      const chosen = references.map((reference) => {
        const rule = all.find((candidate) => candidate.id === reference || candidate.name === reference);
        if (!rule) throw new CliError(`no rule is named "${reference}" (rulegate rules list shows them)`);
        return rule;
      });
      if (new Set(chosen).size !== chosen.length) throw new CliError("a rule is named twice");
      const slots = chosen.map((rule) => rule.order).sort((a, b) => a - b);
      const patches = orderPatches(all, new Map(chosen.map((rule, index) => [rule.id, slots[index]!])));
      for (const patch of patches) await api.call("PATCH", ruleUrl(patch.id), { order: patch.order });
      if (!cli.out().json && patches.length === 0) cli.out().note("the rules already run in this order");
      cli.out().list(await listRules(api), line);
    });
  registerRulesTry(rules, cli);
  registerRulesConfig(rules, cli);
}
