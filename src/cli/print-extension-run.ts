import pc from "picocolors";
import type { CliContext } from "./context.ts";

/**
 * What a run of extension code in the server's sandbox answers, whether a try of Auth0
 * Rules (`POST /api/v2/rules/try`) or the test of an action (`…/actions/{id}/test`'s
 * `payload`): its console lines, what the tokens would get, or the error.
 */
export interface ExtensionRun {
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

/** One console line for people, indented under what wrote it. */
export const consoleLine = (line: ExtensionRun["logs"][number], indent = "") =>
  `${indent}${pc.dim(`console.${line.level}`)} ${line.text}`;

/**
 * The end of a run for people, after its console lines: the scope, claims and metadata the
 * exchange would get, the warnings, the error it would get, and the time.
 */
export function printRunOutcome(out: ReturnType<CliContext["out"]>, run: ExtensionRun): void {
  if (!run.error) {
    if (run.scope) out.note(`${pc.green("scope")}: ${run.scope.join(" ")}`);
    if (run.access_token_claims) {
      out.note(`${pc.green("access token claims")}: ${JSON.stringify(run.access_token_claims)}`);
    }
    if (!isEmpty(run.id_token_claims))
      out.note(`${pc.green("id token claims")}: ${JSON.stringify(run.id_token_claims)}`);
    if (!isEmpty(run.metadata)) out.note(`${pc.green("metadata written")}: ${JSON.stringify(run.metadata)}`);
  }
  for (const warning of run.warnings ?? []) out.note(`${pc.yellow("warning")}: ${warning}`);
  if (run.error) {
    out.note(`${pc.red(run.error.error)}: ${run.error.error_description}`);
    if (run.error.detail) out.note(`${pc.dim("detail")}: ${run.error.detail}`);
  }
  out.note(pc.dim(`${run.duration_ms} ms`));
}
