/** Same source, same database file, on both runtimes; runtime-specific code stays in src/runtime. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findUserById, insertUser } from "../../src/db/users.ts";
import { detectRuntime, MIGRATIONS_FOLDER } from "../../src/runtime/runtime.ts";
import { describe, expect, runtimeName, test } from "../support/test-api.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

describe("e2e: portability", () => {
  test("Bun., Deno. and bun: imports appear only in src/runtime", () => {
    const offenders = sourceFiles(join(ROOT, "src"))
      .filter((path) => !path.includes(`${join("src", "runtime")}`))
      .flatMap((path) =>
        readFileSync(path, "utf8")
          .split("\n")
          .map((line, index) => ({ path, line, number: index + 1 }))
          .filter(
            ({ line }) =>
              /\bBun\.|\bDeno\.|from ["']bun:|import\(["']bun:/.test(line) && !/^\s*(\/\/|\*)/.test(line),
          ),
      )
      .map(({ path, number, line }) => `${path.slice(ROOT.length)}:${number}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });

  test("a database written by one runtime is read and written by the other", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rulegate-portable-"));
    try {
      const path = join(dir, "shared.sqlite");
      const runtime = await detectRuntime();
      const mine = await runtime.openSqlite(path, MIGRATIONS_FOLDER);
      const now = new Date("2026-11-25T12:00:00.000Z");
      await insertUser(mine.db, {
        id: `usr_from_${runtime.name}`,
        email: `from-${runtime.name}@example.com`,
        emailVerified: false,
        name: `written by ${runtime.name}`,
        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        userMetadata: { nested: { list: [1, "two"] } },
        appMetadata: { roles: ["x"] },
        blocked: true,
        createdAt: now,
        updatedAt: now,
      });
      mine.close();

      const other = runtimeName === "bun" ? "deno" : "bun";
      const command =
        other === "bun"
          ? [join(ROOT, "node_modules", ".bin", "bun"), "tests/support/read-db.ts", path]
          : [
              join(ROOT, "node_modules", ".bin", "deno"),
              "run",
              "--allow-read",
              "--allow-write",
              "--allow-env",
              "--allow-sys",
              "--allow-ffi",
              "tests/support/read-db.ts",
              path,
            ];
      const result = spawnSync(command[0]!, command.slice(1), { cwd: ROOT, encoding: "utf8" });
      expect(result.status).toBe(0);
      const seen = JSON.parse(result.stdout.trim().split("\n").pop()!);
      expect(seen.runtime).toBe(other);
      expect(seen.users).toEqual([
        expect.objectContaining({
          id: `usr_from_${runtime.name}`,
          emailVerified: false,
          blocked: true,
          userMetadata: { nested: { list: [1, "two"] } },
          appMetadata: { roles: ["x"] },
          createdAt: "2026-11-25T12:00:00.000Z",
        }),
      ]);

      const again = await runtime.openSqlite(path, MIGRATIONS_FOLDER);
      const theirs = await findUserById(again.db, `usr_from_${other}`);
      again.close();
      expect(theirs?.userMetadata).toEqual({ runtime: other });
      expect(theirs?.emailVerified).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
