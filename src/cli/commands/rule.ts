import type { Command } from "commander";
import pc from "picocolors";
import type { Rule as RuleView } from "../../management/rule.ts";
import type { CliContext } from "../context.ts";
import { keyValue } from "../parse.ts";
import { readJsonObject, readText } from "../read-file.ts";
import { registerRuleSecrets } from "./rule-secrets.ts";

/** The management API's own schema: a changed route breaks this build, not a user. */
type Rule = typeof RuleView.static;

/** The rule a command acts on: the password-exchange rule, or with `--credentials-exchange` the other one. */
const ruleUrl = (rule: Command) =>
  `/api/v2/rules/${rule.opts().credentialsExchange ? "credentials-exchange" : "password-exchange"}`;

interface TryAnswer {
  result?: unknown;
  scope?: string[];
  access_token_claims?: Record<string, unknown>;
  id_token_claims?: Record<string, unknown>;
  warnings?: string[];
  error?: { error: string; error_description: string; detail?: string };
  logs: Array<{ level: string; text: string }>;
  duration_ms: number;
}

/** What `try` takes besides the script; every part is optional. */
interface TryInput {
  user?: Record<string, unknown>;
  client?: Record<string, unknown>;
  audience?: string;
  scope?: string[];
  [part: string]: unknown;
}

/** `rulegate rule …`: deploy (the `wt create` of Rulegate), show, enable/disable, delete and try. */
export function registerRule(program: Command, cli: CliContext): void {
  const rule = program
    .command("rule")
    .description(
      "the password-exchange hook: one script run on password exchanges (or, with --credentials-exchange, on client credentials exchanges); not Auth0 Rules: see `rulegate rules`",
    )
    .option("--credentials-exchange", "act on the credentials-exchange rule (client credentials exchanges)");
  rule
    .command("deploy <file>")
    .description("deploy a rule file, optionally with secrets (merged into the stored ones)")
    .option(
      "--secret <NAME=VALUE>",
      "a secret the rule reads as context.webtask.secrets.NAME (repeatable)",
      keyValue,
    )
    .option("--disabled", "deploy it disabled")
    .action(async (file: string, options) => {
      const script = await readText(file);
      const api = cli.api();
      if (options.secret) await api.call("PATCH", `${ruleUrl(rule)}/secrets`, options.secret);
      const deployed = await api.call<Rule>("PUT", ruleUrl(rule), { script, enabled: !options.disabled });
      const secrets = await api.call<{ names: string[] }>("GET", `${ruleUrl(rule)}/secrets`);
      if (cli.out().json) return cli.out().show({ ...deployed, secrets: secrets.names });
      cli
        .out()
        .note(
          `deployed ${file} (${deployed.enabled ? "enabled" : "disabled"}, ${script.length} characters) at ${deployed.updated_at}`,
        );
      cli.out().note(`secrets: ${secrets.names.join(", ") || "none"}`);
    });
  rule
    .command("show")
    .description("show the deployed rule")
    .action(async () => {
      const deployed = await cli.api().call<Rule>("GET", ruleUrl(rule));
      if (cli.out().json) return cli.out().show(deployed);
      cli.out().note(`${deployed.enabled ? "enabled" : "disabled"}, updated ${deployed.updated_at}\n`);
      cli.out().note(deployed.script);
    });
  for (const enabled of [true, false]) {
    rule
      .command(enabled ? "enable" : "disable")
      .description(enabled ? "run the deployed rule on every exchange" : "keep the rule but skip it")
      .action(async () => {
        const api = cli.api();
        const current = await api.call<Rule>("GET", ruleUrl(rule));
        const updated = await api.call<Rule>("PUT", ruleUrl(rule), { script: current.script, enabled });
        cli.out().json ? cli.out().show(updated) : cli.out().note(`rule ${enabled ? "enabled" : "disabled"}`);
      });
  }
  registerRuleSecrets(rule, cli, () => ruleUrl(rule));
  rule
    .command("delete")
    .description("remove the rule")
    .action(async () => {
      await cli.api().call("DELETE", ruleUrl(rule));
      cli.out().note("rule deleted");
    });
  rule
    .command("try <file>")
    .description("run a rule file in the server's sandbox on a sample input, without deploying it")
    .option("--input <json-file>", "the input {user, client, scope, audience, context}, any part of it")
    .option("--user <email>", "the user's email")
    .option("--client <id>", "the client's id")
    .option("--audience <audience>", "the API identifier")
    .option("--scope <scope>", "the granted scope, space-separated")
    .action(async (file: string, options) => {
      const input: TryInput = options.input ? await readJsonObject(options.input) : {};
      if (options.user) input.user = { ...input.user, email: options.user };
      if (options.client) input.client = { ...input.client, id: options.client };
      if (options.audience) input.audience = options.audience;
      if (options.scope) input.scope = String(options.scope).split(" ").filter(Boolean);
      const answer = await cli
        .api()
        .call<TryAnswer>("POST", `${ruleUrl(rule)}/try`, { script: await readText(file), ...input });
      const out = cli.out();
      if (out.json) {
        out.show(answer);
      } else {
        for (const line of answer.logs) out.note(`${pc.dim(`console.${line.level}`)} ${line.text}`);
        if (answer.error) {
          out.note(`${pc.red(`${answer.error.error}`)}: ${answer.error.error_description}`);
          if (answer.error.detail) out.note(`${pc.dim("detail")}: ${answer.error.detail}`);
        } else {
          out.note(`${pc.green("scope")}: ${answer.scope?.join(" ") ?? ""}`);
          out.note(`${pc.green("access token claims")}: ${JSON.stringify(answer.access_token_claims)}`);
          if (answer.id_token_claims && Object.keys(answer.id_token_claims).length > 0) {
            out.note(`${pc.green("id token claims")}: ${JSON.stringify(answer.id_token_claims)}`);
          }
          for (const warning of answer.warnings ?? []) out.note(`${pc.yellow("warning")}: ${warning}`);
        }
        out.note(pc.dim(`${answer.duration_ms} ms`));
      }
      if (answer.error) process.exitCode = 1;
    });
}
