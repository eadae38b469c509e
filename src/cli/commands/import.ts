import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import pc from "picocolors";
import { applyImportPlan, type ImportResult } from "../../imports/apply-import-plan.ts";
import type { ImportPlan } from "../../imports/import-plan.ts";
import { planApiImport } from "../../imports/plan-api-import.ts";
import { planClientImport } from "../../imports/plan-client-import.ts";
import { readRecords } from "../../imports/read-records.ts";
import type { Client } from "../../management/clients.ts";
import type { Job as JobView } from "../../management/jobs.ts";
import type { ResourceServer as Api } from "../../management/resource-servers.ts";
import { CliError } from "../api-client.ts";
import type { CliContext } from "../context.ts";
import { listAll } from "../list-all.ts";
import { registerActionsImport } from "./import-actions.ts";
import { registerRulesImport } from "./import-rules.ts";

/** The management API's own schema: a changed route breaks this build, not a user. */
type Job = typeof JobView.static;

/** A multipart/form-data body streamed from disk: the fields, then the file, never all in memory. */
async function multipart(file: string, fields: Record<string, string>) {
  const boundary = `----rulegate-${randomUUID()}`;
  const encoder = new TextEncoder();
  const head = encoder.encode(
    Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join("") +
      `--${boundary}\r\nContent-Disposition: form-data; name="users"; filename="${basename(file).replace(/"/g, "")}"\r\nContent-Type: application/json\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const size = (await stat(file)).size;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(head);
      for await (const chunk of createReadStream(file)) controller.enqueue(new Uint8Array(chunk as Buffer));
      controller.enqueue(tail);
      controller.close();
    },
  });
  return {
    body,
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": String(head.length + size + tail.length),
    },
  };
}

async function countRecords(file: string): Promise<number> {
  let count = 0;
  for await (const _record of readRecords(file)) count++;
  return count;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function progressLine(done: number, total: number, rate: number, tty: boolean): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const eta = rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : 0;
  if (!tty) return `processed ${done}/${total} records (${Math.round(rate)}/s)`;
  const width = 30;
  const filled = Math.round(share * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)} ${Math.round(share * 100)}% ${done}/${total} records, ${Math.round(rate)}/s, ETA ${eta}s`;
}

async function readJsonArray(file: string): Promise<Array<Record<string, unknown>>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`${file} must hold a JSON array`);
  return parsed as Array<Record<string, unknown>>;
}

/** A plan with problems stops before anything is written. */
async function applyPlan<Body, Item>(
  file: string,
  plan: ImportPlan<Body>,
  write: { add(body: Body): Promise<Item>; update(id: string, body: Body): Promise<Item> },
) {
  if (plan.problems.length > 0) throw new CliError(`${file}: nothing imported: ${plan.problems.join("; ")}`);
  return applyImportPlan(plan, write);
}

/**
 * One line per entry, in the file's order (`added`, `updated` or `skipped`), then the
 * error that stopped the import, if any; with --json `{added, updated, skipped}`.
 */
function report<Item>(
  cli: CliContext,
  { results, error }: { results: Array<ImportResult<Item>>; error?: unknown },
  line: (item: Item) => string,
): void {
  const out = cli.out();
  if (out.json) {
    const items = (action: "added" | "updated") =>
      results.flatMap((result) => (result.action === action ? [result.item] : []));
    out.show({
      added: items("added"),
      updated: items("updated"),
      skipped: results.flatMap((result) =>
        result.action === "skipped" ? [{ name: result.name, reason: result.reason }] : [],
      ),
    });
  } else {
    out.list(results, (result) =>
      result.action === "skipped"
        ? `skipped  ${result.name} (${result.reason})`
        : `${result.action.padEnd(7)}  ${line(result.item)}`,
    );
  }
  if (error !== undefined) throw error;
}

/** `rulegate import …`: Auth0 exports of users (bulk import job), clients, APIs, rules and actions. */
export function registerImport(program: Command, cli: CliContext): void {
  const imports = program
    .command("import")
    .description("move in from Auth0: users, clients, APIs, rules and actions");
  imports
    .command("users <file>")
    .description("import users in Auth0's bulk-import format (JSON array or NDJSON), following the job")
    .option("--upsert", "update users that already exist (by email)")
    .option("--external-id <id>", "your reference for this job")
    .action(async (file: string, options) => {
      const api = cli.api();
      const out = cli.out();
      const total = await countRecords(file).catch((error) => {
        throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
      });
      const { body, headers } = await multipart(file, {
        upsert: options.upsert ? "true" : "false",
        ...(options.externalId ? { external_id: options.externalId } : {}),
      });
      let job = await api.upload<Job>("/api/v2/jobs/users-imports", body, headers);
      const tty = Boolean(process.stderr.isTTY) && !out.json;
      const started = performance.now();
      let lastPrint = 0;
      while (job.status === "pending" || job.status === "processing") {
        await sleep(250);
        job = await api.call<Job>("GET", `/api/v2/jobs/${job.id}`);
        const now = performance.now();
        if (tty || now - lastPrint > 1000) {
          const rate = job.progress.processed / ((now - started) / 1000);
          const line = progressLine(job.progress.processed, total, rate, tty);
          process.stderr.write(tty ? `\r${line}` : `${line}\n`);
          lastPrint = now;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      // The last figures, even when the job finished before the first poll.
      const final = progressLine(
        job.progress.processed,
        total,
        job.progress.processed / Math.max(seconds, 0.001),
        tty,
      );
      process.stderr.write(tty ? `\r${final}\n` : `${final}\n`);
      if (out.json) {
        out.show(job);
      } else {
        const { summary } = job;
        out.note(
          `job ${job.id} ${job.status === "completed" ? pc.green("completed") : pc.red(job.status)} in ${seconds.toFixed(1)} s: ` +
            `${summary.total} records, ${summary.inserted} inserted, ${summary.updated} updated, ${summary.failed} failed`,
        );
        if (summary.failed > 0) out.note(`the failed records: GET /api/v2/jobs/${job.id}/errors`);
        if (job.error_message) out.note(job.error_message);
      }
      if (job.status !== "completed") process.exitCode = 1;
    });
  imports
    .command("clients <file>")
    .description("add or update clients from an Auth0 Management API export (new secrets are printed once)")
    .action(async (file: string) => {
      const api = cli.api();
      const existing = await listAll<Client>(api, "/api/v2/clients");
      const plan = planClientImport(await readJsonArray(file), existing);
      const done = await applyPlan(file, plan, {
        add: (body) => api.call<Client>("POST", "/api/v2/clients", body),
        update: (id, body) => api.call<Client>("PATCH", `/api/v2/clients/${encodeURIComponent(id)}`, body),
      });
      // A PATCH issues a secret only when a public client becomes confidential: print that one too.
      report(
        cli,
        done,
        (client) =>
          `${client.client_id}  ${client.name}${client.client_secret ? `  secret: ${client.client_secret}` : ""}`,
      );
    });
  imports
    .command("apis <file>")
    .description("add or update APIs from an Auth0 Management API export of resource servers")
    .action(async (file: string) => {
      const api = cli.api();
      const existing = await listAll<Api>(api, "/api/v2/resource-servers");
      const plan = planApiImport(await readJsonArray(file), existing);
      const done = await applyPlan(file, plan, {
        add: (body) => api.call<Api>("POST", "/api/v2/resource-servers", body),
        update: (id, body) =>
          api.call<Api>("PATCH", `/api/v2/resource-servers/${encodeURIComponent(id)}`, body),
      });
      report(cli, done, (entry) => `${entry.id}  ${entry.identifier}`);
    });
  registerRulesImport(imports, cli);
  registerActionsImport(imports, cli);
}
