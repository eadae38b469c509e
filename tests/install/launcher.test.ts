/**
 * `bin/rulegate.mjs`, the package's `rulegate` command, as a user with only Node runs it:
 * from a folder outside the project, with no Bun on PATH, directly and through the kind
 * of symlink `npm link` and `npm install -g .` put in a global bin folder.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_KEY, createHarness, type Harness } from "../support/harness.ts";
import { cleanEnv, nodeExecutable, pathWithoutBun, run } from "./processes.ts";

const LAUNCHER = join(import.meta.dir, "..", "..", "bin", "rulegate.mjs");
const elsewhere = mkdtempSync(join(tmpdir(), "rulegate-launcher-"));
const globalBin = join(elsewhere, "global-bin");
const linked = join(globalBin, "rulegate");
let h: Harness;
let server: ReturnType<typeof Bun.serve>;
let env: Record<string, string>;

beforeAll(async () => {
  h = await createHarness();
  server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => h.app.handle(request) });
  env = cleanEnv({
    PATH: pathWithoutBun(),
    RULEGATE_URL: `http://127.0.0.1:${server.port}`,
    ADMIN_API_KEY: ADMIN_KEY,
    NO_COLOR: "1",
  });
  mkdirSync(globalBin);
  symlinkSync(LAUNCHER, linked);
});
afterAll(async () => {
  server?.stop(true);
  await h?.close();
  rmSync(elsewhere, { recursive: true, force: true });
});

/** `node bin/rulegate.mjs …` from a folder outside the project. */
const rulegate = (args: string[]) => run(nodeExecutable(), [LAUNCHER, ...args], { cwd: elsewhere, env });

describe("node bin/rulegate.mjs, outside the project, without Bun on PATH", () => {
  test("--help", async () => {
    const result = await rulegate(["--help"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toStartWith("Usage: rulegate [options] [command]");
  });

  test("users list against a server, as JSON on stdout and nothing else", async () => {
    const created = await h.admin("POST", "/users", {
      email: "launcher@example.com",
      password: "launch pad 1",
    });
    expect(created.status).toBe(201);
    const result = await rulegate(["--json", "users", "list"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const emails = (JSON.parse(result.stdout) as Array<{ email: string }>).map((user) => user.email);
    expect(emails).toContain("launcher@example.com");
  });

  test("the CLI's exit status and stderr pass through", async () => {
    const unknown = await rulegate(["no-such-command"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'no-such-command'");
    const refused = await rulegate(["--key", "wrong-key", "users", "list"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).not.toBe("");
  });

  test("a signal to the launcher reaches the CLI, and the launcher dies of it", async () => {
    // A server that accepts and never answers: the CLI is up once it connects.
    let connected: (socket: Socket) => void = () => {};
    const connection = new Promise<Socket>((resolve) => {
      connected = resolve;
    });
    const silent = createServer((socket) => connected(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      const launcher = Bun.spawn(
        [nodeExecutable(), LAUNCHER, "--url", `http://127.0.0.1:${port}`, "users", "list"],
        { cwd: elsewhere, env, stdio: ["ignore", "ignore", "ignore"] },
      );
      const socket = await connection;
      const cliGone = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.resume(); // read the request, so that its end (the CLI going away) is seen
      launcher.kill("SIGTERM");
      await launcher.exited;
      expect(launcher.signalCode).toBe("SIGTERM");
      await cliGone; // the CLI's connection closed: the Bun process is gone too
    } finally {
      silent.close();
    }
  });
});

test("through a symlink in another folder (npm link, npm install -g .)", async () => {
  const help = await run(linked, ["--help"], { cwd: elsewhere, env });
  expect(help.stderr).toBe("");
  expect(help.code).toBe(0);
  expect(help.stdout).toStartWith("Usage: rulegate [options] [command]");
  const list = await run(linked, ["--json", "users", "list"], { cwd: elsewhere, env });
  expect(list.code).toBe(0);
  expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
});
