import type { ApiClient } from "./api-client.ts";
import type { Output } from "./output.ts";

/** What every command needs, built lazily from the global options (so `--help` needs neither). */
export interface CliContext {
  api(): ApiClient;
  out(): Output;
}
