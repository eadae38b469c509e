import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startHaproxy } from "../support/haproxy.ts";
import { sleep } from "./cluster.ts";

/** The documented example configuration (docs/haproxy.cfg): the tests run this very file. */
export const HAPROXY_CFG = fileURLToPath(new URL("../../docs/haproxy.cfg", import.meta.url));

/** The ports the example uses, and where the test's free ones go instead. */
export interface LoadBalancerPorts {
  front: number;
  nodes: [number, number, number];
  stats: number;
}

/** Replaces `from` by `to` in `text`, failing when `from` is not there exactly once. */
function substitute(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2)
    throw new Error(`docs/haproxy.cfg: expected "${from}" once, found ${parts.length - 1}`);
  return parts.join(to);
}

/**
 * docs/haproxy.cfg with the test's ports in place of 3000-3003 and 8404 (and the front end
 * bound to the loopback interface only); nothing else changes.
 */
export function exampleConfigFor(ports: LoadBalancerPorts): string {
  let config = readFileSync(HAPROXY_CFG, "utf8");
  config = substitute(config, "bind *:3000", `bind 127.0.0.1:${ports.front}`);
  ports.nodes.forEach((port, i) => {
    config = substitute(config, `127.0.0.1:${3001 + i} check`, `127.0.0.1:${port} check`);
  });
  return substitute(config, "bind 127.0.0.1:8404", `bind 127.0.0.1:${ports.stats}`);
}

/** One row of HAProxy's statistics CSV (`/stats;csv`), by column name. */
export type StatsRow = Record<string, string>;

/**
 * Starts `haproxy -db` (foreground) on the example configuration with `ports`, and waits
 * until its statistics page answers.
 */
export async function startLoadBalancer(ports: LoadBalancerPorts) {
  const statsUrl = `http://127.0.0.1:${ports.stats}/stats;csv`;

  /** The statistics of the node servers of the `rulegate_nodes` backend. */
  const nodeStats = async (): Promise<StatsRow[]> => {
    const csv = await (await fetch(statsUrl)).text();
    const [header, ...lines] = csv.trim().split("\n");
    const columns = header!.replace(/^# /, "").split(",");
    return lines
      .map((line) => Object.fromEntries(line.split(",").map((value, i) => [columns[i]!, value])))
      .filter((row) => row.pxname === "rulegate_nodes" && row.svname!.startsWith("node"));
  };

  const haproxy = await startHaproxy(exampleConfigFor(ports), async () => (await nodeStats()).length === 3);
  return {
    base: `http://127.0.0.1:${ports.front}`,
    nodeStats,
    output: haproxy.output,
    /** Waits until HAProxy's health checks see the nodes in `states` (e.g. `{ node3: "DOWN" }`). */
    async until(states: Record<string, string>, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const rows = await nodeStats();
        if (
          Object.entries(states).every(
            ([name, state]) => rows.find((row) => row.svname === name)?.status === state,
          )
        )
          return rows;
        if (Date.now() > end)
          throw new Error(`health checks: ${JSON.stringify(rows.map((row) => [row.svname, row.status]))}`);
        await sleep(100);
      }
    },
    stop: haproxy.stop,
  };
}
