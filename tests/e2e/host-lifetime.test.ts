/**
 * Rule hosts live and die with their server: they outlive neither a server killed with
 * SIGKILL (idle, or busy in a rule that spins), nor its stop; a signal to the server's
 * whole process group (systemd's stop, Ctrl-C) does not end them before the server has
 * drained; `ps` names them; their memory reads as the kernel counts it.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { denoExecutable, processStats, RULE_HOST_NAME } from "../../src/runtime/rule-host-process.ts";
import { deployRule, killAllNodes, type Node, seed, sleep, startNode } from "../ops/node.ts";
import { childPids } from "../support/process-tree.ts";
import { afterAll, describe, expect, test } from "../support/test-api.ts";

/** The process's state letter from /proc, or undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/** Whether the process still runs (a zombie waiting to be reaped has ended). */
const running = (pid: number) => {
  const state = stateOf(pid);
  return state !== undefined && state !== "Z";
};

const DENO = realpathSync(denoExecutable());

/** The node's rule hosts: its children running Deno. */
function hostsOf(node: Node): number[] {
  return childPids(node.child.pid!).filter((pid) => {
    try {
      return realpathSync(`/proc/${pid}/exe`) === DENO;
    } catch {
      return false;
    }
  });
}

/** Waits until the node has `count` rule hosts, and returns their pids. */
async function waitForHosts(node: Node, count: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const hosts = hostsOf(node).filter(running);
    if (hosts.length >= count) return hosts;
    if (Date.now() > deadline) throw new Error(`the node has ${hosts.length} rule hosts, not ${count}`);
    await sleep(50);
  }
}

/** The pids of `pids` still running after up to `ms`. */
async function survivorsAfter(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = pids.filter(running);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await sleep(50);
  }
}

/** CPU a process used during `ms`. */
async function cpuDuring(pid: number, ms: number): Promise<number> {
  const before = processStats(pid)?.cpuMs ?? 0;
  await sleep(ms);
  return (processStats(pid)?.cpuMs ?? 0) - before;
}

const waitingRule =
  "module.exports = function (u, c, scope, a, ctx, cb) { setTimeout(function () { cb(null, { scope: scope }); }, 200); };";

describe("e2e: rule hosts live and die with their server", () => {
  const leftovers: number[] = [];
  afterAll(() => {
    killAllNodes();
    for (const pid of leftovers.filter(running)) process.kill(pid, "SIGKILL");
  });

  test("ps shows rule hosts as rulegate-rule-host, and their memory reads as the kernel's", async () => {
    const node = await startNode({ RULE_WORKERS: "2" });
    try {
      const hosts = await waitForHosts(node, 2);
      leftovers.push(...hosts);
      for (const pid of hosts) {
        // What `ps` shows by default (the command line) and `top` (the name, 15 characters at most).
        expect(execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).trim()).toBe(
          RULE_HOST_NAME,
        );
        expect(readFileSync(`/proc/${pid}/comm`, "utf8").trim()).toBe(RULE_HOST_NAME.slice(0, 15));
        // ps reads resident pages times the page size: an independent reading.
        const psKb = Number(
          execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim(),
        );
        const readKb = processStats(pid)!.rssBytes / 1024;
        expect(Math.abs(readKb - psKb)).toBeLessThan(psKb * 0.05);
      }
    } finally {
      await node.kill();
    }
  }, 60_000);

  test("idle rule hosts end within seconds of their server's SIGKILL", async () => {
    const node = await startNode({ RULE_WORKERS: "2" });
    const hosts = await waitForHosts(node, 2);
    leftovers.push(...hosts);
    await node.kill();
    expect(await survivorsAfter(hosts, 5_000)).toEqual([]);
  }, 60_000);

  test("a rule host spinning in a rule ends within seconds of its server's SIGKILL", async () => {
    const node = await startNode({ RULE_WORKERS: "1", RULE_TIMEOUT_MS: "60000" });
    const tenant = await seed(node);
    await deployRule(node, "module.exports = function () { while (true) {} };");
    const exchange = tenant.exchange().catch(() => undefined);
    let spinning: number | undefined;
    const deadline = Date.now() + 10_000;
    while (spinning === undefined && Date.now() < deadline) {
      for (const pid of hostsOf(node).filter(running)) {
        if ((await cpuDuring(pid, 200)) > 50) spinning = pid;
      }
    }
    expect(spinning).toBeDefined();
    const hosts = hostsOf(node).filter(running);
    leftovers.push(...hosts);
    await node.kill();
    await exchange;
    expect(await survivorsAfter(hosts, 5_000)).toEqual([]);
  }, 60_000);

  test("SIGTERM to the server's process group: the exchanges in flight all answer, then no host remains", async () => {
    const node = await startNode({ RULE_WORKERS: "2", SHUTDOWN_GRACE_MS: "0" }, { detached: true });
    const tenant = await seed(node);
    await deployRule(node, waitingRule);
    expect((await tenant.exchange()).status).toBe(200);
    const hosts = await waitForHosts(node, 2);
    leftovers.push(...hosts);
    const inFlight = Array.from({ length: 40 }, () =>
      tenant.exchange().then(
        async (response) => `${response.status} ${await response.text()}`,
        (error) => `no answer: ${error}`,
      ),
    );
    await sleep(300);
    process.kill(-node.child.pid!, "SIGTERM");
    const answers = await Promise.all(inFlight);
    const unexpected = answers.filter((answer) => !answer.startsWith("200 ") && !answer.startsWith("503 "));
    expect(unexpected).toEqual([]);
    expect((await node.exit).code).toBe(0);
    expect(await survivorsAfter(hosts, 5_000)).toEqual([]);
  }, 60_000);
});
