import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { databaseEnv } from "./postgres.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const running: ChildProcess[] = [];

/** Kills every server this file started (call from afterAll). */
export function stopAllServers(): void {
  for (const child of running.splice(0)) child.kill("SIGKILL");
}

/** A port that was free a moment ago (the issuer is derived from PORT, so 0 will not do). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** When to stop waiting: a pattern found in stdout or in stderr, or a test of both. */
export type Until = RegExp | ((output: { stdout: string; stderr: string }) => boolean);

/**
 * Starts `src/main.ts` as `npm start` does, on a free port unless `PORT` is given (on
 * PostgreSQL instead of the `DB_PATH` file when the run sets `TEST_DATABASE_URL`), and
 * collects its output until `until` matches (or it exits).
 */
export async function startServer(env: Record<string, string>, until: Until) {
  const reached =
    until instanceof RegExp
      ? (output: { stdout: string; stderr: string }) => until.test(output.stdout) || until.test(output.stderr)
      : until;
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(await freePort()),
      LOG_LEVEL: "info",
      // Tests stop their servers with SIGTERM: no grace period for a load balancer to notice.
      SHUTDOWN_GRACE_MS: "0",
      ...(env.DB_PATH && !env.DATABASE_URL ? await databaseEnv(env.DB_PATH) : {}),
      ...env,
    },
  });
  running.push(child);
  let stdout = "";
  let stderr = "";
  const done = new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out; stdout: ${stdout} stderr: ${stderr}`)),
      15_000,
    );
    const check = () => {
      if (reached({ stdout, stderr })) {
        clearTimeout(timer);
        resolve({ stdout, stderr, code: child.exitCode });
      }
    };
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      check();
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      check();
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
  /** Everything the server wrote so far, also after `done`. */
  const output = () => ({ stdout, stderr });
  return { child, done, output };
}

/** The port from the server's `listening` log line. */
export function portOf(stdout: string): number {
  const line = stdout.split("\n").find((candidate) => candidate.includes('"event":"listening"'));
  if (!line) throw new Error(`no listening line in: ${stdout}`);
  return JSON.parse(line).port as number;
}

/** The JSON body of the seed's request, from the printed curl command. */
export function demoRequestBody(stdout: string): string {
  const match = /^curl .* -d '(.*)'$/m.exec(stdout);
  if (!match) throw new Error(`no curl line in: ${stdout}`);
  return match[1]!;
}

const PRINTED_KEY = /^ {2}(rg_admin_\S+)\n/m;

/** Until a first start has printed its admin key (stderr) and the demo's curl (stdout), each whole. */
export const keyAndCurlPrinted: Until = ({ stdout, stderr }) =>
  /^curl .*\n/m.test(stdout) && PRINTED_KEY.test(stderr);

/** The management API key a first start printed on stderr. */
export function printedAdminKey(stderr: string): string {
  const match = PRINTED_KEY.exec(stderr);
  if (!match) throw new Error(`no admin key in: ${stderr}`);
  return match[1]!;
}

/** Resolves once the process has exited. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("close", () => resolve()));
}
