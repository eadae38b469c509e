import { connect, type Socket } from "node:net";

/** The connection options postgres.js hands its `socket` factory (its parsed options). */
interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

/** The sockets of one postgres.js client, and a way to drop them all at once. */
export interface TrackedSockets {
  /** postgres.js's `socket` option: opens one connection to the server, as postgres.js would. */
  open(options: SocketTarget): Socket;
  /**
   * Destroys every open socket. postgres.js fails the queries in progress on them with a
   * connection error and opens fresh connections for the next queries.
   */
  destroyAll(): void;
}

/**
 * Makes a socket that errs close in the same tick, its one `close` event right after its
 * `error`. postgres.js fails a connection's queries on `error` but replaces the connection only
 * on `close`, and its handler of a close after an error fails nothing: a query handed to the
 * connection between the two events (a reset while requests keep coming) was written into the
 * dead socket and waited forever. Later events of the dead socket are dropped (postgres.js has
 * removed its listeners by then, and an `error` nobody listens to would be thrown).
 */
function closeRightAfterError(socket: Socket): void {
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  let closed = false;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (closed && (event === "close" || event === "error")) return true;
    if (event === "close") closed = true;
    const handled = emit(event, ...args);
    if (event === "error" && !closed) {
      closed = true;
      socket.destroy();
      emit("close", true);
    }
    return handled;
  }) as typeof socket.emit;
}

/**
 * Opens the sockets of a postgres.js client itself, so that they can be dropped when the
 * server stopped answering on them: a connection whose packets are silently lost (a network
 * partition, a failed-over server) is never closed by TCP while the peer's side is merely
 * unreachable, and postgres.js has no way to drop one. Hosts of a multi-host URL are tried
 * in turn, as postgres.js does; TLS, when asked for, is still negotiated by postgres.js over
 * the socket.
 */
export function trackedSockets(): TrackedSockets {
  const open = new Set<Socket>();
  let next = 0;
  return {
    open(options) {
      const index = next++ % options.host.length;
      const host = options.host[index]!;
      const port = options.port[index] ?? options.port[0]!;
      const socket = options.path ? connect(options.path) : connect(port, host);
      // postgres.js reads these for TLS's server name and its error messages.
      Object.assign(socket, { host, port });
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      closeRightAfterError(socket);
      return socket;
    },
    destroyAll() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}
