/**
 * 100,000 users in Auth0's bulk-import format through `rulegate import users` against a
 * real server (README, "Migrating from Auth0", step 2; target: under 60 s on this machine).
 * Records carry a bcrypt hash (kept as is: nothing is hashed at import).
 * Run: `npm run bench:import` (USERS=… to change).
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hash } from "@node-rs/bcrypt";
import { ADMIN_KEY, ROOT, startBenchServer } from "./support/server.ts";

const count = Number(process.env.USERS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "rulegate-import-bench-"));
const file = join(dir, "users.json");
const bcrypt = await hash("a shared password", 10);
const out = createWriteStream(file);
out.write("[\n");
for (let i = 0; i < count; i++) {
  const record = {
    email: `user${i}@example.com`,
    email_verified: i % 2 === 0,
    user_id: `bench${i}`,
    name: `User ${i}`,
    user_metadata: { locale: "en", index: i },
    app_metadata: { plan: i % 3 === 0 ? "gold" : "free" },
    password_hash: bcrypt,
  };
  if (!out.write(`${JSON.stringify(record)}${i < count - 1 ? ",\n" : "\n"}`))
    await new Promise((resolve) => out.once("drain", resolve));
}
out.end("]\n");
await new Promise((resolve) => out.on("finish", resolve));
const megabytes = statSync(file).size / 1024 / 1024;

const server = await startBenchServer("bun");
try {
  const started = performance.now();
  const result = spawnSync(process.execPath, ["src/cli/main.ts", "import", "users", file], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", RULEGATE_URL: server.base, ADMIN_API_KEY: ADMIN_KEY, NO_COLOR: "1" },
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`import failed: ${result.stderr}`);
  console.log(result.stdout.trim());
  console.log(
    `${count} users, ${megabytes.toFixed(1)} MB file: ${seconds.toFixed(1)} s end to end through the CLI ` +
      `(${Math.round(count / seconds)} users/s, including counting the file and uploading it)`,
  );
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
