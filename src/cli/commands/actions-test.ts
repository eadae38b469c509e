import type { Command } from "commander";
import pc from "picocolors";
import { actionUrl, findAction } from "../auth0-actions.ts";
import type { CliContext } from "../context.ts";
import { readJsonObject } from "../read-file.ts";

/** `POST /api/v2/actions/actions/{id}/test`'s `payload` (src/management/actions-test.ts). */
interface TestReport {
  duration_ms: number;
  logs: Array<{ level: string; text: string; rule?: string }>;
  scope?: string[];
  access_token_claims?: Record<string, unknown>;
  id_token_claims?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  warnings?: string[];
  error?: { error: string; error_description: string; detail?: string };
}

const isEmpty = (value: Record<string, unknown> | undefined) =>
  value === undefined || Object.keys(value).length === 0;

/** The report for people: the console lines, then what the tokens would get, or the error. */
function printReport(cli: CliContext, report: TestReport): void {
  const out = cli.out();
  for (const line of report.logs) out.note(`${pc.dim(`console.${line.level}`)} ${line.text}`);
  if (!report.error) {
    if (report.scope) out.note(`${pc.green("scope")}: ${report.scope.join(" ")}`);
    if (report.access_token_claims)
      out.note(`${pc.green("access token claims")}: ${JSON.stringify(report.access_token_claims)}`);
    if (!isEmpty(report.id_token_claims))
      out.note(`${pc.green("id token claims")}: ${JSON.stringify(report.id_token_claims)}`);
    if (!isEmpty(report.metadata))
      out.note(`${pc.green("metadata written")}: ${JSON.stringify(report.metadata)}`);
  }
  for (const warning of report.warnings ?? []) out.note(`${pc.yellow("warning")}: ${warning}`);
  if (report.error) {
    out.note(`${pc.red(report.error.error)}: ${report.error.error_description}`);
    if (report.error.detail) out.note(`${pc.dim("detail")}: ${report.error.detail}`);
  }
  out.note(pc.dim(`${report.duration_ms} ms`));
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
      const answer = await api.call<{ payload: TestReport }>("POST", `${actionUrl(action.id)}/test`, {
        payload,
      });
      if (cli.out().json) cli.out().show(answer.payload);
      else printReport(cli, answer.payload);
      if (answer.payload.error) process.exitCode = 1;
    });
}
