import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exited } from "./server-process.ts";

/**
 * Runs Debian's HAProxy (scripts/ensure-haproxy.sh installs it) in the foreground (`-db`) on
 * `config`, and waits until `ready()` holds: the multi-node tests put it in front of several
 * nodes, the SDK tests in front of one node to terminate TLS.
 */
export async function startHaproxy(config: string, ready: () => Promise<boolean>) {
  const dir = mkdtempSync(join(tmpdir(), "rulegate-haproxy-"));
  const configPath = join(dir, "haproxy.cfg");
  writeFileSync(configPath, config);
  const child: ChildProcess = spawn("haproxy", ["-f", configPath, "-db"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
    if (await ready().catch(() => false)) break;
    if (Date.now() > deadline) throw new Error(`haproxy did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    output: () => output,
    async stop() {
      child.kill("SIGKILL");
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
