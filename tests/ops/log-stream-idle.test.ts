/**
 * The log stream on a real server over a real socket, quiet for longer than the HTTP server's
 * idle timeout (10 s on Bun) and shorter than its heartbeat (15 s by default): it stays open,
 * and the next event arrives on the same connection.
 */
import { afterAll, expect, test } from "bun:test";
import { ADMIN_KEY, killAllNodes, seed, sleep, startNode } from "./node.ts";

afterAll(() => killAllNodes());

test("a quiet log stream outlives the server's idle timeout and still delivers the next event", async () => {
  const node = await startNode();
  try {
    const tenant = await seed(node);
    const response = await fetch(`${node.base}/api/v2/logs/stream`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: "text/event-stream" },
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    /** Reads until `wanted` has arrived; throws if the stream ends first. */
    const readUntil = async (wanted: string) => {
      while (!received.includes(wanted)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the stream ended before ${JSON.stringify(wanted)}`);
        received += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(": connected");
    // The events seeding made arrive first; then nothing for 12 s.
    await sleep(12_000);
    expect(received).not.toContain(": heartbeat");
    expect((await tenant.exchange({ password: "wrong password" })).status).toBe(400);
    await readUntil('"type":"fepft"');
    await reader.cancel();
  } finally {
    await node.kill();
  }
}, 60_000);
