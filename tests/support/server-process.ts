import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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

/**
 * Starts `src/main.ts` as `npm start` does, on a free port unless `PORT` is given, and
 * collects its output until `until` matches (or it exits).
 */
export async function startServer(env: Record<string, string>, until: RegExp) {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: String(await freePort()), LOG_LEVEL: "info", ...env },
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
      if (until.test(stdout) || until.test(stderr)) {
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
  return { child, done };
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
