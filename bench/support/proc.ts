/** CPU time of processes from /proc (Linux): the benchmarks' way to charge CPU to a process tree. */
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

interface ProcEntry {
  pid: number;
  parent: number;
  command: string;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

function readEntry(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command sits in parentheses and may itself hold spaces or parentheses.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return {
      pid,
      parent: Number(fields[1]),
      command: stat.slice(stat.indexOf("(") + 1, close),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

function allEntries(): ProcEntry[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readEntry(Number(entry)))
    .filter((entry) => entry !== undefined);
}

/** A process and all its descendants (a server and its rule hosts). */
export function processTree(pid: number): number[] {
  const entries = allEntries();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const entry of entries) if (entry.parent === tree[i]) tree.push(entry.pid);
  }
  return tree;
}

/** CPU seconds each of these processes has used so far (processes that ended are left out). */
export function cpuByPid(pids: Iterable<number>): Map<number, number> {
  const usage = new Map<number, number>();
  for (const pid of pids) {
    const entry = readEntry(pid);
    if (entry) usage.set(pid, entry.cpuSeconds);
  }
  return usage;
}

/** CPU seconds used between two readings: processes new in `after` count from zero. */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, used] of after) seconds += used - (before.get(pid) ?? 0);
  return seconds;
}

/** CPU seconds a process and its descendants have used so far. */
export function treeCpuSeconds(pid: number): number {
  let seconds = 0;
  for (const used of cpuByPid(processTree(pid)).values()) seconds += used;
  return seconds;
}

/** Every process named `command` on this machine (e.g. all of PostgreSQL's processes). */
export function pidsNamed(command: string): number[] {
  return allEntries()
    .filter((entry) => entry.command === command)
    .map((entry) => entry.pid);
}
