import type { Command } from "commander";
import { createParser } from "eventsource-parser";
import pc from "picocolors";
import type { LogEntry } from "../../logs/log-view.ts";
import { CliError } from "../api-client.ts";
import type { CliContext } from "../context.ts";
import { integer, sinceMoment } from "../parse.ts";

const colourOf = (type: string) =>
  type.startsWith("s")
    ? pc.green
    : type.startsWith("f") || type.startsWith("limit")
      ? pc.red
      : type === "rule_warning"
        ? pc.yellow
        : pc.cyan;

/** One readable line per event (coloured on a terminal; picocolors turns colour off elsewhere). */
export function formatLog(entry: LogEntry): string {
  const who = [
    entry.user_name && `user=${entry.user_name}`,
    (entry.client_name || entry.client_id) && `client=${entry.client_name ?? entry.client_id}`,
    entry.request_id && pc.dim(`req=${entry.request_id}`),
  ].filter(Boolean);
  const reason = typeof entry.details?.reason === "string" ? ` ${pc.dim(`(${entry.details.reason})`)}` : "";
  return `${pc.dim(entry.date)} ${colourOf(entry.type)(entry.type.padEnd(12))} ${entry.description}${reason}  ${who.join(" ")}`;
}

function filterQuery(options: Record<string, unknown>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [option, name] of [
    ["type", "type"],
    ["userId", "user_id"],
    ["clientId", "client_id"],
    ["requestId", "request_id"],
  ] as const) {
    if (typeof options[option] === "string") query.set(name, options[option] as string);
  }
  return query;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withFilters(command: Command): Command {
  return command
    .option("--type <type>", "only this event type (sepft, fepft, rule_log, rule_warning, …)")
    .option("--user-id <id>", "only this user's events")
    .option("--client-id <id>", "only this client's events")
    .option("--request-id <id>", "only this request's events");
}

/** `rulegate logs …`: `tail` follows the live stream (the `wt logs` of Rulegate); `list` searches. */
export function registerLogs(program: Command, cli: CliContext): void {
  const logs = program.command("logs").description("log events");
  withFilters(
    logs
      .command("tail")
      .description(
        "follow new log events live; reconnects and resumes where it left off (--since shows recent ones first)",
      ),
  )
    .option(
      "--since <when>",
      "first show up to 100 stored events since then (10m, 2h, 1d or an ISO date)",
      (value: string) => sinceMoment(value),
    )
    .action(async (options) => {
      const api = cli.api();
      const out = cli.out();
      const print = (entry: LogEntry) =>
        process.stdout.write(`${out.json ? JSON.stringify(entry) : formatLog(entry)}\n`);
      if (options.since) {
        const query = filterQuery(options);
        query.set("from_date", options.since);
        query.set("per_page", "100");
        const history = await api.call<LogEntry[]>("GET", `/api/v2/logs?${query}`);
        for (const entry of history.reverse()) print(entry);
      }
      const path = `/api/v2/logs/stream?${filterQuery(options)}`;
      let lastEventId: string | undefined;
      let connectedOnce = false;
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await api.stream(path, lastEventId ? { "last-event-id": lastEventId } : {});
          if (!connectedOnce)
            process.stderr.write(pc.dim(`following ${api.url}api/v2/logs/stream (Ctrl-C to stop)\n`));
          connectedOnce = true;
          attempt = 0;
          const parser = createParser({
            onEvent: (event) => {
              if (event.id) lastEventId = event.id;
              print(JSON.parse(event.data) as LogEntry);
            },
          });
          const decoder = new TextDecoder();
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            parser.feed(decoder.decode(chunk, { stream: true }));
          }
          process.stderr.write(pc.dim("stream closed by the server; reconnecting\n"));
        } catch (error) {
          // Before the first connection, or on a refused key, there is nothing to follow: fail.
          if (!connectedOnce || (error instanceof CliError && /\b401\b/.test(error.message))) throw error;
          process.stderr.write(pc.dim(`connection lost (${(error as Error).message}); reconnecting\n`));
        }
        await sleep(Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)));
      }
    });
  withFilters(logs.command("list").description("show stored events, newest first"))
    .option("--per-page <n>", "events to show (1-100)", integer, 50)
    .action(async (options) => {
      const query = filterQuery(options);
      query.set("per_page", String(options.perPage));
      const entries = await cli.api().call<LogEntry[]>("GET", `/api/v2/logs?${query}`);
      cli.out().list(entries, formatLog);
    });
}
