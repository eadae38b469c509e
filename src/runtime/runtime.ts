import type { Runtime } from "./adapter.ts";

/** Where the SQLite migrations are; kept here too for the callers of {@link Runtime.openSqlite}. */
export { MIGRATIONS_FOLDER } from "../db/sqlite.ts";
export type { Runtime, ShutdownSignal } from "./adapter.ts";

/** Detects the runtime once and loads its adapter. */
export async function detectRuntime(): Promise<Runtime> {
  if ("Bun" in globalThis) return (await import("./bun.ts")).bunRuntime;
  if ("Deno" in globalThis) return (await import("./deno.ts")).denoRuntime;
  throw new Error("Rulegate runs on Bun or Deno.");
}
