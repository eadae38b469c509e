import { readdirSync, readFileSync } from "node:fs";
import { processStats } from "../../src/runtime/rule-host-process.ts";

/** The pids of this process's children (the rule hosts of an in-process server), from /proc. */
export function childPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** CPU milliseconds the children have used so far, by pid. */
export function childCpu(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of childPids()) {
    const stats = processStats(pid);
    if (stats) cpu.set(pid, stats.cpuMs);
  }
  return cpu;
}

/** CPU the children used during `windowMs` (all of it, for a child born meanwhile). */
export async function childCpuDuring(windowMs: number): Promise<number> {
  const before = childCpu();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  let used = 0;
  for (const [pid, cpuMs] of childCpu()) used += cpuMs - (before.get(pid) ?? 0);
  return used;
}

/** Total resident memory of the children, in bytes. */
export function childRssBytes(): number {
  return childPids().reduce((sum, pid) => sum + (processStats(pid)?.rssBytes ?? 0), 0);
}
