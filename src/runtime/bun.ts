import { Database as SQLite } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import type { Database } from "../db/database.ts";
import * as schema from "../db/schema.ts";
import { type SqliteOrm, sqliteDb } from "../db/sqlite.ts";
import { rememberClientIp } from "../http/client-ip.ts";
import type { Runtime } from "./adapter.ts";

async function openSqlite(path: string, migrationsFolder: string): Promise<Database> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path, { create: true, strict: true });
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA synchronous = NORMAL");
  // Drizzle's bun-sqlite driver compiles every statement anew with prepare(); bun:sqlite's
  // query() caches compiled statements by their SQL. A profile of the password exchange
  // showed statement compilation at ~20% of its non-hashing CPU.
  sqlite.prepare = ((sql: string) => sqlite.query(sql)) as typeof sqlite.prepare;
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return {
    db: sqliteDb(db as unknown as SqliteOrm),
    close: async () => sqlite.close(),
  };
}

/** Bun: bun:sqlite for storage and Bun.serve for HTTP. */
export const bunRuntime: Runtime = {
  name: "bun",
  openSqlite,
  serve({ port, hostname, fetch }) {
    const server = Bun.serve({
      port,
      hostname,
      // The ceiling is the 500 MB user import; every other route enforces its own, smaller limit.
      maxRequestBodySize: 520 * 1024 * 1024,
      fetch(request, server) {
        const address = server.requestIP(request);
        if (address) rememberClientIp(request, address.address);
        return Promise.resolve(fetch(request)).then((response) => {
          // A server-sent event stream (the log stream) is quiet between its heartbeats, longer
          // than Bun's idle timeout of 10 s, which would cut it: it stays open until it ends.
          if (response.headers.get("content-type")?.startsWith("text/event-stream"))
            server.timeout(request, 0);
          return response;
        });
      },
    });
    return {
      port: server.port ?? port,
      stop: () => server.stop(true),
      // Without closeActiveConnections Bun stops accepting and waits for the requests in flight.
      drain: () => server.stop(false),
    };
  },
  parseYaml: (text) => Bun.YAML.parse(text),
  onSignals(signals, handler) {
    for (const signal of signals) process.on(signal, () => handler(signal));
  },
};
