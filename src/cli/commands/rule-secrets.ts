import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { keyValue } from "../parse.ts";

/**
 * `rulegate rule secrets …`: the rule's secrets (`context.webtask.secrets`) by name. `set`
 * merges (PATCH), `replace` swaps the whole set (PUT), `unset` removes names; values are
 * never shown, as the management API never returns them.
 */
export function registerRuleSecrets(rule: Command, cli: CliContext, ruleUrl: () => string): void {
  const secretsUrl = () => `${ruleUrl()}/secrets`;
  const secrets = rule
    .command("secrets")
    .description("the rule's secrets: names only, values are never shown");
  const secretsFrom = (pairs: string[]) => pairs.reduce((all, pair) => keyValue(pair, all), {});
  const show = (answer: { names: string[] }) =>
    cli.out().json ? cli.out().show(answer) : cli.out().note(`secrets: ${answer.names.join(", ") || "none"}`);
  secrets
    .command("list", { isDefault: true })
    .description("the names of the stored secrets")
    .action(async () => show(await cli.api().call("GET", secretsUrl())));
  secrets
    .command("set <NAME=VALUE...>")
    .description("add or change these secrets, keeping the others")
    .action(async (pairs: string[]) => show(await cli.api().call("PATCH", secretsUrl(), secretsFrom(pairs))));
  secrets
    .command("replace [NAME=VALUE...]")
    .description("replace every secret with exactly these (none: remove them all)")
    .action(async (pairs: string[] = []) =>
      show(await cli.api().call("PUT", secretsUrl(), secretsFrom(pairs))),
    );
  secrets
    .command("unset <NAME...>")
    .description("remove these secrets")
    .action(async (names: string[]) =>
      show(
        await cli.api().call("PATCH", secretsUrl(), Object.fromEntries(names.map((name) => [name, null]))),
      ),
    );
}
