import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import pc from "picocolors";
import { readRecords } from "../../imports/read-records.ts";
import { CliError } from "../api-client.ts";
import type { CliContext } from "../context.ts";

interface Job {
  id: string;
  status: string;
  summary: { total: number; inserted: number; updated: number; failed: number };
  progress: { processed: number };
  error_message?: string;
}

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

/** `rulegate import …`: Auth0 exports of users (bulk import job), clients and APIs. */
export function registerImport(program: Command, cli: CliContext): void {
  const imports = program.command("import").description("move in from Auth0: users, clients and APIs");
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
    .description("create clients from an Auth0 Management API export (new secrets are printed once)")
    .action(async (file: string) => {
      const api = cli.api();
      const created = [];
      for (const client of await readJsonArray(file)) {
        const grants = Array.isArray(client.grant_types)
          ? (client.grant_types as string[])
          : ["password", "refresh_token"];
        const supported = grants
          .map((grant) => (grant === "http://auth0.com/oauth/grant-type/password-realm" ? "password" : grant))
          .filter((grant) => grant === "password" || grant === "refresh_token");
        created.push(
          await api.call("POST", "/api/v2/clients", {
            name: client.name,
            token_endpoint_auth_method: client.token_endpoint_auth_method ?? "client_secret_post",
            grant_types: [...new Set(supported)],
            client_metadata: client.client_metadata ?? {},
          }),
        );
      }
      cli
        .out()
        .list(
          created as Array<{ client_id: string; name: string; client_secret?: string }>,
          (client) =>
            `${client.client_id}  ${client.name}${client.client_secret ? `  secret: ${client.client_secret}` : ""}`,
        );
    });
  imports
    .command("apis <file>")
    .description("create APIs from an Auth0 Management API export of resource servers")
    .action(async (file: string) => {
      const api = cli.api();
      const created = [];
      for (const server of await readJsonArray(file)) {
        created.push(
          await api.call("POST", "/api/v2/resource-servers", {
            identifier: server.identifier,
            name: server.name,
            scopes: Array.isArray(server.scopes)
              ? (server.scopes as Array<{ value: string; description?: string }>).map((scope) => ({
                  value: scope.value,
                  description: scope.description ?? "",
                }))
              : [],
            token_lifetime: server.token_lifetime,
            allow_offline_access: server.allow_offline_access ?? false,
            // HS256 needs a shared secret per API; Rulegate signs with published keys.
            signing_alg:
              server.signing_alg === "HS256" || server.signing_alg === undefined
                ? "RS256"
                : server.signing_alg,
          }),
        );
      }
      cli
        .out()
        .list(
          created as Array<{ id: string; identifier: string }>,
          (entry) => `${entry.id}  ${entry.identifier}`,
        );
    });
}
