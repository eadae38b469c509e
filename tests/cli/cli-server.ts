/**
 * A real Rulegate server for CLI tests and the real `rulegate` process against it, as a user
 * runs it (the CLI files of the Auth0 Rules commands share it).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoRequestBody, portOf, startServer, stopAllServers } from "../support/server-process.ts";

const root = join(import.meta.dir, "..", "..");

/** What one CLI run wrote and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliServer {
  url: string;
  key: string;
  /** A folder for the test's files, removed by `stop`. */
  dir: string;
  /** The seed's token request body (JSON). */
  demoBody: string;
  /** Everything the server wrote so far. */
  serverOutput(): string;
  /** Runs `rulegate <args>`, with `input` on its stdin. */
  rulegate(args: string[], options?: { env?: Record<string, string>; input?: string }): CliRun;
  /** A management API call with the admin key. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): void;
}

export async function startCliServer(key: string): Promise<CliServer> {
  const dir = mkdtempSync(join(tmpdir(), "rulegate-cli-rules-"));
  const { done, output } = await startServer(
    { DB_PATH: join(dir, "db.sqlite"), ADMIN_API_KEY: key },
    /^curl .*$/m,
  );
  const { stdout } = await done;
  const url = `http://localhost:${portOf(stdout)}`;
  return {
    url,
    key,
    dir,
    demoBody: demoRequestBody(stdout),
    serverOutput: () => {
      const { stdout, stderr } = output();
      return stdout + stderr;
    },
    rulegate(args, { env = {}, input } = {}) {
      const result = spawnSync(process.execPath, ["src/cli/main.ts", ...args], {
        cwd: root,
        encoding: "utf8",
        input: input ?? "",
        env: { PATH: process.env.PATH ?? "", RULEGATE_URL: url, ADMIN_API_KEY: key, NO_COLOR: "1", ...env },
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    admin: (method, path, body) =>
      fetch(`${url}/api/v2${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    stop() {
      stopAllServers();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
