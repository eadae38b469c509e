/**
 * Shared by the multi-node benchmarks: more Rulegate nodes on a database another node has
 * already provisioned, and autocannon against several nodes at once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import autocannon from "autocannon";
import { ADMIN_KEY, ROOT, type RunningServer, round } from "./server.ts";

/**
 * Starts one more Bun node on an already provisioned database (`env` names it, e.g.
 * DATABASE_URL) and waits until it answers. Such a node prints no demo curl: the body to
 * send is the first node's, passed in.
 */
export async function startExtraNode(env: Record<string, string>, demoBody: string): Promise<RunningServer> {
  const port = 40_000 + Math.floor(Math.random() * 1000);
  const child = spawn(join(ROOT, "node_modules/.bin/bun"), ["src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      LOG_LEVEL: "warn",
      ADMIN_API_KEY: ADMIN_KEY,
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node on port ${port} exited with ${child.exitCode}`);
    const ready = await fetch(`${base}/.well-known/jwks.json`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (performance.now() > deadline) {
      child.kill();
      throw new Error(`node on port ${port} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { base, demoBody, child, stop: () => child.kill() };
}

/** Stops a node and waits until its process has exited (so its database connections are closed). */
export async function stopAndWait(
  server: RunningServer | { child: ChildProcess; stop(): void },
): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, "exit");
  server.stop();
  await exited;
}

const percentile = (sorted: number[], fraction: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;

/**
 * Password exchanges against several nodes at once: one autocannon per node, concurrently,
 * the connections spread as evenly as they go (16 over 3 nodes: 6, 5, 5). Every response's
 * latency is recorded, so the percentiles are over all nodes together, in fractional ms.
 */
export async function driveNodes(servers: RunningServer[], connections: number, seconds: number) {
  const latencies: number[] = [];
  const started = performance.now();
  const perNode = await Promise.all(
    servers.map(
      (server, index) =>
        new Promise<{ requests: number; sent: number; non2xx: number; errors: number }>((resolve, reject) => {
          const share =
            Math.floor(connections / servers.length) + (index < connections % servers.length ? 1 : 0);
          const instance = autocannon(
            {
              url: `${server.base}/oauth/token`,
              method: "POST",
              headers: { "content-type": "application/json" },
              body: server.demoBody,
              connections: share,
              duration: seconds,
            },
            (error, result) =>
              error
                ? reject(error)
                : resolve({
                    requests: result.requests.total,
                    // Sent includes the requests still in flight when the time was up: the
                    // server does their work too. (autocannon sets it; its types lack it.)
                    sent: (result.requests as { sent?: number }).sent ?? result.requests.total,
                    non2xx: result.non2xx,
                    errors: result.errors,
                  }),
          );
          instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
        }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const non2xx = perNode.reduce((sum, node) => sum + node.non2xx, 0);
  const errors = perNode.reduce((sum, node) => sum + node.errors, 0);
  if (non2xx + errors > 0) throw new Error(`${non2xx} non-2xx answers and ${errors} connection errors`);
  latencies.sort((a, b) => a - b);
  const requests = perNode.reduce((sum, node) => sum + node.requests, 0);
  return {
    /** Answered requests. */
    requests,
    /** Requests sent, answered or still in flight at the end: the work the nodes did. */
    sent: perNode.reduce((sum, node) => sum + node.sent, 0),
    sentPerNode: perNode.map((node) => node.sent),
    seconds: round(elapsed),
    rps: round(requests / elapsed, 1),
    p50_ms: round(percentile(latencies, 0.5), 1),
    p99_ms: round(percentile(latencies, 0.99), 1),
  };
}
