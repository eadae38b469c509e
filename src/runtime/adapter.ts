import type { Database } from "../db/database.ts";

/** What differs between Bun and Deno, behind one interface (the only runtime-aware code). */
export interface Runtime {
  name: "bun" | "deno";
  /** Opens (creating if needed) the SQLite file in WAL mode with foreign keys on, and applies the migrations. */
  openSqlite(path: string, migrationsFolder: string): Promise<Database>;
  /** Serves `fetch` on a port; `port: 0` picks a free one, returned in the result. */
  serve(options: { port: number; hostname: string; fetch(request: Request): Response | Promise<Response> }): {
    port: number;
    /** Stops at once, closing open connections. */
    stop(): Promise<void> | void;
    /**
     * Stops listening (new connections are refused) and resolves once every request in
     * flight has had its whole answer; idle keep-alive connections are closed.
     */
    drain(): Promise<void>;
  };
  /**
   * Parses a YAML document (the API contract, `openapi.yaml`) into plain data. Bun's own
   * parser reads the contract in ~20 ms where the portable `yaml` package takes ~400 ms on
   * a cold start, a large part of the server's start-up (README, "Performance").
   */
  parseYaml(text: string): unknown;
  /** Calls `handler` on each of `signals` (SIGTERM, SIGINT) instead of the default exit. */
  onSignals(signals: readonly ShutdownSignal[], handler: (signal: ShutdownSignal) => void): void;
}

/** The signals a node shuts down on. */
export type ShutdownSignal = "SIGTERM" | "SIGINT";
