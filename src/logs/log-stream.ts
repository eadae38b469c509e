import { type LogFilters, latestLogSeq, logsAfter } from "../db/logs.ts";
import type { Deps } from "../deps.ts";
import { logView } from "./log-view.ts";

/** How often a stream also looks in the database, for events other nodes stored. */
const POLL_MS = 500;
const BATCH = 500;

/**
 * `text/event-stream` of log events (the HTML Living Standard's server-sent events):
 * each event is `id: <seq>`, `event: log`, `data: <LogEntry JSON>`. A stream starts at
 * the newest event, or after `lastEventId` to resume; comment lines keep it alive.
 * Events stored by this node arrive at once, others' within {@link POLL_MS}.
 */
export function logStream(
  deps: Deps,
  filters: LogFilters,
  lastEventId: number | undefined,
  signal: AbortSignal,
): Response {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let sent = lastEventId ?? (await latestLogSeq(deps.db));
      let closed = false;
      let flushing: Promise<void> | undefined;
      let again = false;
      const write = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const flush = async () => {
        do {
          again = false;
          for (;;) {
            const rows = await logsAfter(deps.db, sent, filters, BATCH);
            for (const row of rows) {
              write(`id: ${row.seq}\nevent: log\ndata: ${JSON.stringify(logView(row))}\n\n`);
              sent = row.seq;
            }
            if (rows.length < BATCH) break;
          }
        } while (again && !closed);
      };
      const wake = () => {
        if (closed) return;
        if (flushing) {
          again = true;
          return;
        }
        flushing = flush()
          .catch((error) => deps.log.error({ event: "log_stream_failed", err: error }))
          .finally(() => {
            flushing = undefined;
          });
      };
      const unsubscribe = deps.events.subscribe(wake);
      const poll = setInterval(wake, POLL_MS);
      const heartbeat = setInterval(() => write(": heartbeat\n\n"), deps.config.logHeartbeatMs);
      cleanup = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(poll);
        clearInterval(heartbeat);
        try {
          controller.close();
        } catch {}
      };
      signal.addEventListener("abort", cleanup);
      write(": connected\n\n");
      wake();
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
