/**
 * Deno: node:sqlite through Drizzle's sqlite-proxy for storage and Deno.serve for HTTP. Only this file and the
 * rest of src/runtime know they are on Deno.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { drizzle } from "drizzle-orm/sqlite-proxy";
import { migrate } from "drizzle-orm/sqlite-proxy/migrator";
import { parse as parseYaml } from "yaml";
import type { Database } from "../db/database.ts";
import * as schema from "../db/schema.ts";
import { type SqliteOrm, sqliteDb } from "../db/sqlite.ts";
import { rememberClientIp } from "../http/client-ip.ts";
import type { Runtime } from "./adapter.ts";

// Deno's namespace is not in this project's types (bun-types); only what is used is declared.
declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen?: (address: { port: number }) => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void> };
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
};

interface Statement {
  setReturnArrays(enabled: boolean): void;
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

async function openSqlite(path: string, migrationsFolder: string): Promise<Database> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const { DatabaseSync } = (await import("node:sqlite")) as unknown as {
    DatabaseSync: new (path: string) => DatabaseSync;
  };
  const sqlite = new DatabaseSync(path);
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA synchronous = NORMAL");
  const statements = new Map<string, Statement>();
  const prepare = (query: string) => {
    let statement = statements.get(query);
    if (!statement) {
      statement = sqlite.prepare(query);
      // Rows as arrays, as sqlite-proxy expects: joins with equal column names stay intact.
      statement.setReturnArrays(true);
      statements.set(query, statement);
    }
    return statement;
  };
  // node:sqlite is synchronous, so each callback runs to completion: statements never interleave.
  const db = drizzle(
    async (query, params, method) => {
      const statement = prepare(query);
      if (method === "run") {
        statement.run(...params);
        return { rows: [] };
      }
      if (method === "get") return { rows: (statement.get(...params) ?? undefined) as unknown[] };
      return { rows: statement.all(...params) as unknown[][] };
    },
    { schema },
  );
  await migrate(
    db,
    async (queries) => {
      sqlite.exec("BEGIN");
      try {
        for (const query of queries) sqlite.exec(query);
        sqlite.exec("COMMIT");
      } catch (error) {
        sqlite.exec("ROLLBACK");
        throw error;
      }
    },
    { migrationsFolder },
  );
  return {
    db: sqliteDb(db as unknown as SqliteOrm),
    close: async () => sqlite.close(),
  };
}

export const denoRuntime: Runtime = {
  name: "deno",
  openSqlite,
  serve({ port, hostname, fetch }) {
    let bound = port;
    const server = Deno.serve(
      {
        port,
        hostname,
        onListen: (address) => {
          bound = address.port;
        },
      },
      (request, info) => {
        rememberClientIp(request, info.remoteAddr.hostname);
        return fetch(request);
      },
    );
    return {
      port: server.addr?.port ?? bound,
      stop: () => server.shutdown(),
      // Deno's shutdown() stops accepting and resolves once the requests in flight are answered.
      drain: () => server.shutdown(),
    };
  },
  parseYaml: (text) => parseYaml(text),
  onSignals(signals, handler) {
    for (const signal of signals) Deno.addSignalListener(signal, () => handler(signal));
  },
};
