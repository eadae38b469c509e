import { createServer, type Socket, connect as tcpConnect } from "node:net";

/** One proxied connection: the node's side, PostgreSQL's side, and what the fault does to it. */
interface Link {
  client: Socket;
  upstream: Socket;
  /** Black-holed: bytes in either direction are held, and delivered once the network is back. */
  holding: boolean;
  held: { toUpstream: Buffer[]; toClient: Buffer[] };
  /** Gone for good without a word (its server failed over): bytes are dropped, nothing closes. */
  silent: boolean;
  /** Answer the node's first query on this connection with a FATAL error, then close. */
  failFirstQuery: boolean;
  /** PostgreSQL's replies read so far, until its first ReadyForQuery ('Z'). */
  startup: { buffer: Buffer; ready: boolean };
}

/**
 * PostgreSQL's ErrorResponse message ('E', RFC-like fields of the wire protocol, "Message
 * Formats"): severity FATAL, SQLSTATE `code`, and `message`, as a terminated backend sends it.
 */
export function fatalErrorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [
      ["S", "FATAL"],
      ["V", "FATAL"],
      ["C", code],
      ["M", message],
    ].map(([type, value]) => Buffer.from(`${type}${value}\0`)),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** Reads PostgreSQL's startup replies until its first ReadyForQuery: then the node's next message is a query. */
function readsReady(startup: Link["startup"], chunk: Buffer): boolean {
  startup.buffer = Buffer.concat([startup.buffer, chunk]);
  while (startup.buffer.length >= 5) {
    const length = startup.buffer.readUInt32BE(1);
    if (startup.buffer.length < 1 + length) break;
    const type = startup.buffer[0];
    startup.buffer = startup.buffer.subarray(1 + length);
    if (type === 0x5a) return true;
  }
  return false;
}

/**
 * A TCP proxy the test controls, between a node and its PostgreSQL, that plays the network's
 * and the server's faults. The PostgreSQL server itself is never touched.
 * - `cut()`: every connection reset, new ones refused (the database is unreachable);
 * - `blackHole()`: connections stay open but nothing gets through either way, new ones
 *   included (packets lost: a partition, a paused VM); `restore()` delivers what was held;
 * - `failover()`, during a black hole: the connections of before stay silent for good (their
 *   server is gone) while new ones reach PostgreSQL;
 * - `failFirstQuery(code)`: each new connection's first query is answered with a FATAL error
 *   and the connection closed, as when its backend is terminated at that moment.
 * `restore()` ends every fault for new connections.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const links = new Set<Link>();
  let mode: "forward" | "refuse" | "blackHole" | "failFirstQuery" = "forward";
  let failure = fatalErrorResponse("57P01", "terminating connection due to administrator command");
  let accepted = 0;

  const close = (link: Link) => {
    link.client.destroy();
    link.upstream.destroy();
    links.delete(link);
  };

  const fromClient = (link: Link, chunk: Buffer) => {
    if (link.silent) return;
    if (link.holding) return void link.held.toUpstream.push(chunk);
    if (link.failFirstQuery && link.startup.ready) {
      link.client.end(failure);
      link.upstream.destroy();
      links.delete(link);
      return;
    }
    link.upstream.write(chunk);
  };

  const fromUpstream = (link: Link, chunk: Buffer) => {
    if (link.silent) return;
    if (link.holding) return void link.held.toClient.push(chunk);
    if (link.failFirstQuery && !link.startup.ready) link.startup.ready = readsReady(link.startup, chunk);
    link.client.write(chunk);
  };

  const server = createServer((client) => {
    if (mode === "refuse") return client.destroy();
    accepted++;
    const link: Link = {
      client,
      upstream: tcpConnect(target.port, target.host),
      holding: mode === "blackHole",
      held: { toUpstream: [], toClient: [] },
      silent: false,
      failFirstQuery: mode === "failFirstQuery",
      startup: { buffer: Buffer.alloc(0), ready: false },
    };
    links.add(link);
    client.on("data", (chunk: Buffer) => fromClient(link, chunk));
    link.upstream.on("data", (chunk: Buffer) => fromUpstream(link, chunk));
    client.on("error", () => close(link)).on("close", () => close(link));
    // A silent link's node never hears of its server's end: that is the fault.
    const upstreamEnded = () => !link.silent && close(link);
    link.upstream.on("error", upstreamEnded).on("close", upstreamEnded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    /** How many connections the proxy has accepted so far. */
    accepted: () => accepted,
    cut() {
      mode = "refuse";
      for (const link of links) close(link);
    },
    blackHole() {
      mode = "blackHole";
      for (const link of links) link.holding = true;
    },
    failover() {
      mode = "forward";
      for (const link of links) {
        link.silent = true;
        link.holding = false;
        link.held = { toUpstream: [], toClient: [] };
      }
    },
    failFirstQuery(code = "57P01", message = "terminating connection due to administrator command") {
      failure = fatalErrorResponse(code, message);
      mode = "failFirstQuery";
    },
    /** Drops every open connection (the node opens new ones), leaving the mode as it is. */
    resetAll() {
      for (const link of links) close(link);
    },
    restore() {
      mode = "forward";
      for (const link of links) {
        if (!link.holding) continue;
        link.holding = false;
        for (const chunk of link.held.toUpstream.splice(0)) link.upstream.write(chunk);
        for (const chunk of link.held.toClient.splice(0)) link.client.write(chunk);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) close(link);
        server.close(() => resolve());
      }),
  };
}
