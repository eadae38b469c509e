import { createParser, type EventSourceMessage } from "eventsource-parser";

/** Reads a server-sent event stream from a Response, event by event (and comments). */
export function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  let wake: (() => void) | undefined;
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      wake?.();
    },
    onComment: (comment) => {
      comments.push(comment.trim());
      wake?.();
    },
  });
  let done = false;
  void (async () => {
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {}
    done = true;
    wake?.();
  })();

  /** Waits until `ready()` holds, at most `timeoutMs`. */
  async function until(ready: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (done) throw new Error("stream ended");
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out; events: ${JSON.stringify(events.map((e) => e.data)).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.min(left, 100));
      });
    }
  }

  return { events, comments, until, close: () => reader.cancel() };
}
