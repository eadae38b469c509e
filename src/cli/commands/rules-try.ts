import type { Command } from "commander";
import pc from "picocolors";
import { CliError } from "../api-client.ts";
import { findRule, RULES_PATH } from "../auth0-rules.ts";
import type { CliContext } from "../context.ts";
import { consoleLine, type ExtensionRun, printRunOutcome } from "../print-extension-run.ts";
import { readJsonObject, readText } from "../read-file.ts";

/** `POST /api/v2/rules/try`'s answer (src/management/rules-try.ts): a run, with each rule's time. */
interface TryAnswer extends ExtensionRun {
  rules?: Array<{ name: string; duration_ms: number }>;
}

/**
 * The answer for people: each rule that ran with its time and console lines, then what the
 * tokens would get (scope, claims, metadata written) or the error the exchange would get.
 */
function printAnswer(cli: CliContext, answer: TryAnswer): void {
  const out = cli.out();
  for (const rule of answer.rules ?? []) {
    out.note(`${pc.bold(`rule ${rule.name}`)} ${pc.dim(`(${rule.duration_ms} ms)`)}`);
    for (const line of answer.logs) if (line.rule === rule.name) out.note(consoleLine(line, "  "));
  }
  const named = new Set((answer.rules ?? []).map((rule) => rule.name));
  for (const line of answer.logs) if (!line.rule || !named.has(line.rule)) out.note(consoleLine(line, ""));
  printRunOutcome(out, answer);
}

/**
 * `rulegate rules try`: runs a script file, one stored rule, or the enabled rules in order, once
 * in the server's sandbox on a sample user and context (README, "Writing and debugging
 * rules"). Nothing is written; exit status 1 when the exchange would fail.
 */
export function registerRulesTry(rules: Command, cli: CliContext): void {
  rules
    .command("try [file]")
    .description(
      "run a script file, a stored rule (--rule) or, with neither, every enabled rule in order, on a sample user and context; nothing is written",
    )
    .option("--rule <rule>", "a stored rule (its id or name), enabled or not")
    .option("--user <json-file>", "properties of the sample user to set (e.g. email, app_metadata)")
    .option("--context <json-file>", "properties of the sample context to set (e.g. clientName, request)")
    .option(
      "--configuration <json-file>",
      'configuration values to use instead of the stored ones ({"KEY": "value"})',
    )
    .action(async (file: string | undefined, options) => {
      if (file !== undefined && options.rule !== undefined)
        throw new CliError("give a script file or --rule, not both");
      const api = cli.api();
      const body = {
        ...(file !== undefined && { script: await readText(file) }),
        ...(options.rule !== undefined && { id: (await findRule(api, options.rule)).id }),
        ...(options.user && { user: await readJsonObject(options.user) }),
        ...(options.context && { context: await readJsonObject(options.context) }),
        ...(options.configuration && { configuration: await readJsonObject(options.configuration) }),
      };
      const answer = await api.call<TryAnswer>("POST", `${RULES_PATH}/try`, body);
      if (cli.out().json) cli.out().show(answer);
      else printAnswer(cli, answer);
      if (answer.error) process.exitCode = 1;
    });
}
