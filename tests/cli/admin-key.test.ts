import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../install/processes.ts";
import {
  exited,
  keyAndCurlPrinted,
  portOf,
  printedAdminKey,
  startServer,
  stopAllServers,
} from "../support/server-process.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rulegate-admin-key-"));
// Another working directory than the project's: the command finds the database through DB_PATH alone.
const elsewhere = join(dir, "elsewhere");
mkdirSync(elsewhere);
afterAll(() => {
  stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `rulegate admin-key rotate` as an operator would, with only `env` set. */
const rotate = (env: Record<string, string>) =>
  run(join(ROOT, "node_modules/.bin/bun"), [join(ROOT, "src/cli/main.ts"), "admin-key", "rotate"], {
    cwd: elsewhere,
    env: { PATH: process.env.PATH ?? "", ...env },
  });

const usersWith = (port: number, key: string) =>
  fetch(`http://localhost:${port}/api/v2/users`, { headers: { authorization: `Bearer ${key}` } });

test("admin-key rotate gives a database whose key was lost a new one, accepted after a restart", async () => {
  const dbPath = join(dir, "db.sqlite");
  const first = await startServer({ DB_PATH: dbPath }, keyAndCurlPrinted);
  const lostKey = printedAdminKey((await first.done).stderr);
  first.child.kill();
  await exited(first.child);

  const rotated = await rotate({ DB_PATH: dbPath });
  expect(rotated.code).toBe(0);
  const newKey = /^ {2}(rg_admin_\S+)$/m.exec(rotated.stdout)![1]!;
  expect(newKey).not.toBe(lostKey);
  expect(rotated.stdout).toContain("until it restarts");
  expect(rotated.stdout).not.toContain("ADMIN_API_KEY is set");

  const second = await startServer({ DB_PATH: dbPath }, /"event":"listening".*\n/);
  const { stdout, stderr } = await second.done;
  expect(stderr).not.toContain("Management API key");
  expect(stdout).not.toContain("curl");
  const port = portOf(stdout);
  expect((await usersWith(port, newKey)).status).toBe(200);
  expect((await usersWith(port, lostKey)).status).toBe(401);
  second.child.kill();
});

test("admin-key rotate says that ADMIN_API_KEY, when set, overrides the stored key", async () => {
  const dbPath = join(dir, "env.sqlite");
  const first = await startServer(
    { DB_PATH: dbPath, ADMIN_API_KEY: "env-admin-key-0123456789" },
    /^curl .*\n/m,
  );
  await first.done;
  first.child.kill();
  await exited(first.child);
  const rotated = await rotate({ DB_PATH: dbPath, ADMIN_API_KEY: "env-admin-key-0123456789" });
  expect(rotated.code).toBe(0);
  expect(rotated.stdout).toMatch(/^ {2}rg_admin_\S+$/m);
  expect(rotated.stdout).toContain("ADMIN_API_KEY is set here: a server started with it uses that key");
});

test("admin-key rotate on a DB_PATH with no database fails and creates none", async () => {
  const dbPath = join(dir, "missing", "db.sqlite");
  const rotated = await rotate({ DB_PATH: dbPath });
  expect(rotated.code).toBe(1);
  expect(rotated.stderr).toBe(`rulegate: DB_PATH: there is no database at ${dbPath}\n`);
  expect(existsSync(dbPath)).toBe(false);
});
