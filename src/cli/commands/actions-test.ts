import type { Command } from "commander";
import { actionUrl, findAction } from "../auth0-actions.ts";
import type { CliContext } from "../context.ts";
import { consoleLine, type ExtensionRun, printRunOutcome } from "../print-extension-run.ts";
import { readJsonObject } from "../read-file.ts";

/** The report for people: the console lines, then what the tokens would get, or the error. */
function printReport(cli: CliContext, report: ExtensionRun): void {
  const out = cli.out();
  for (const line of report.logs) out.note(consoleLine(line));
  printRunOutcome(out, report);
}

/**
 * `rulegate actions test`: Auth0's test of an action: its draft, with its secrets, run once
 * in the server's sandbox on a sample event of its trigger that `--payload` adds to. Nothing
 * is written; exit status 1 when the exchange would fail.
 */
export function registerActionsTest(actions: Command, cli: CliContext): void {
  actions
    .command("test <action>")
    .description(
      "run the action's draft once on a sample event of its trigger; prints its console lines, the claims, scope and metadata, or the error; nothing is written",
    )
    .option(
      "--payload <json-file>",
      'properties of the sample event to set (e.g. {"user": {"app_metadata": {"plan": "gold"}}})',
    )
    .action(async (reference: string, options) => {
      const api = cli.api();
      const payload = options.payload ? await readJsonObject(options.payload) : {};
      const action = await findAction(api, reference);
      const answer = await api.call<{ payload: ExtensionRun }>("POST", `${actionUrl(action.id)}/test`, {
        payload,
      });
      if (cli.out().json) cli.out().show(answer.payload);
      else printReport(cli, answer.payload);
      if (answer.payload.error) process.exitCode = 1;
    });
}
