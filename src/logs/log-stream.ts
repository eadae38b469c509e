import { type LogFilters, latestLogSeq, logSeqsAfter, logsAfter } from "../db/logs.ts";
import type { Deps } from "../deps.ts";
import { logView } from "./log-view.ts";

/** How often a stream also looks in the database, in case a notification was missed. */
const POLL_MS = 500;
const BATCH = 500;
/**
 * How long a missing `seq` holds the stream back. Nodes draw `seq`s from one sequence but
 * commit independently, so for a moment `seq` 7 may be visible before 6: sending 7 then
 * would make a resume after 7 (`Last-Event-ID`) skip 6 for good. A `seq` still missing
 * this long after the event that follows it was stored never will be (a rolled-back
 * insert, or pruned) and is passed over.
 */
const GAP_WAIT_MS = 500;

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
  // A stream cancelled while start() still awaits its first read has nothing to clean up
  // yet: start() must then set nothing up (no timer writing to a closed stream).
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let sent = lastEventId ?? (await latestLogSeq(deps.db));
      if (cancelled || signal.aborted) return;
      let closed = false;
      let flushing: Promise<void> | undefined;
      let again = false;
      const write = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      let gap: { seq: number; since: number } | undefined;
      /** The last `seq` up to which nothing can still appear: up to the first young gap. */
      const settledUpTo = (stored: Array<{ seq: number; date: Date }>) => {
        let settled = sent;
        for (const { seq, date } of stored) {
          if (seq !== settled + 1) {
            const missing = settled + 1;
            if (gap?.seq !== missing) gap = { seq: missing, since: Date.now() };
            const waited = Date.now() - Math.min(gap.since, date.getTime());
            if (waited < GAP_WAIT_MS) break;
          }
          settled = seq;
        }
        return settled;
      };
      const flush = async () => {
        do {
          again = false;
          for (;;) {
            const seqs = await logSeqsAfter(deps.db, sent, BATCH);
            const upTo = settledUpTo(seqs);
            if (upTo === sent) break;
            const rows = await logsAfter(deps.db, sent, filters, BATCH, upTo);
            for (const row of rows) {
              write(`id: ${row.seq}\nevent: log\ndata: ${JSON.stringify(logView(row))}\n\n`);
            }
            sent = rows.length === BATCH ? rows[rows.length - 1]!.seq : upTo;
            if (seqs.length < BATCH && upTo === seqs[seqs.length - 1]?.seq) break;
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
      deps.metrics.logStreamSubscribers.inc();
      const poll = setInterval(wake, POLL_MS);
      const heartbeat = setInterval(() => write(": heartbeat\n\n"), deps.config.logHeartbeatMs);
      cleanup = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        deps.metrics.logStreamSubscribers.dec();
        deps.lifecycle.draining.removeEventListener("abort", cleanup);
        clearInterval(poll);
        clearInterval(heartbeat);
        try {
          controller.close();
        } catch {}
      };
      signal.addEventListener("abort", cleanup);
      // A node that is shutting down ends its streams, so they do not hold the drain open;
      // clients resume elsewhere with Last-Event-ID.
      deps.lifecycle.draining.addEventListener("abort", cleanup);
      if (deps.lifecycle.draining.aborted) cleanup();
      write(": connected\n\n");
      wake();
    },
    cancel() {
      cancelled = true;
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
