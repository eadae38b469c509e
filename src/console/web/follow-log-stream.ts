import { createParser } from "eventsource-parser";
import { authorization, isInsufficientScope, reportInsufficientScope } from "./api.ts";

/** A log event as `/api/v2/logs` shows it (Auth0's field names). */
export interface LogEntry {
  log_id: string;
  date: string;
  type: string;
  description: string;
  client_id: string | null;
  client_name: string | null;
  user_id: string | null;
  user_name: string | null;
  [field: string]: unknown;
}

export type StreamState = "connecting" | "live" | "reconnecting" | "refused";

const RETRY_MS = 2000;

/**
 * Follows `GET /api/v2/logs/stream` until `signal` aborts. EventSource cannot send an
 * `Authorization` header, so the stream is read with fetch and parsed with
 * eventsource-parser; a dropped connection resumes with `Last-Event-ID`, as SSE clients do.
 */
export async function followLogStream(
  filters: Record<string, string>,
  signal: AbortSignal,
  onEntry: (entry: LogEntry) => void,
  onState: (state: StreamState, detail?: string) => void,
): Promise<void> {
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ""));
  let lastEventId: string | undefined;
  while (!signal.aborted) {
    onState(lastEventId === undefined ? "connecting" : "reconnecting");
    try {
      const response = await fetch(`/api/v2/logs/stream${query.size ? `?${query}` : ""}`, {
        headers: {
          accept: "text/event-stream",
          ...authorization(),
          ...(lastEventId ? { "last-event-id": lastEventId } : {}),
        },
        credentials: "omit",
        cache: "no-store",
        signal,
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { message?: string; errorCode?: string };
        const message = body.message ?? `HTTP ${response.status}`;
        onState("refused", message);
        if (isInsufficientScope(response.status, body.errorCode)) {
          reportInsufficientScope("GET", "/logs/stream", message);
        }
        // Retrying cannot help a bad filter, a refused credential or a missing scope.
        if (response.status === 400 || response.status === 401 || response.status === 403) return;
      } else {
        onState("live");
        const parser = createParser({
          onEvent(event) {
            if (event.id) lastEventId = event.id;
            if (event.event === "log") onEntry(JSON.parse(event.data) as LogEntry);
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      onState("reconnecting", (error as Error).message);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
