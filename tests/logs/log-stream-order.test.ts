import { afterAll, beforeAll, expect, test } from "bun:test";
import { latestLogSeq, newLog } from "../../src/db/logs.ts";
import { ADMIN_KEY, createHarness, type Harness } from "../support/harness.ts";
import { sseReader } from "../support/sse.ts";

/**
 * Several nodes draw `seq`s from one sequence but commit on their own, so a later `seq` can
 * be stored a moment before an earlier one. These tests store rows with chosen `seq`s to
 * play that out (on either engine; `TEST_DATABASE_URL` runs them on PostgreSQL).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const row = (seq: number, description: string) => ({
  seq,
  ...newLog({ logId: `log_order_${seq}`, date: new Date(), type: "sepft", description }),
});
const store = (seq: number, description: string) =>
  h.deps.db.orm.insert(h.deps.db.tables.logs).values(row(seq, description));
/** A stream resuming after `seq`: it looks in the database at once, as a woken stream does. */
const resume = async (seq: number) =>
  sseReader(
    await h.request("/api/v2/logs/stream", {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "last-event-id": String(seq) },
    }),
  );

test("an event stored before an earlier seq is held back until that seq arrives, then both go out in order", async () => {
  const start = await latestLogSeq(h.deps.db);
  await store(start + 2, "committed first");
  const stream = await resume(start);
  await stream.until(() => stream.comments.includes("connected"));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await store(start + 1, "committed second");
  await stream.until(() => stream.events.length >= 2);
  expect(stream.events.slice(0, 2).map((event) => Number(event.id))).toEqual([start + 1, start + 2]);
  await stream.close();
});

test("a seq that never arrives holds the stream back only briefly: the events after it still go out", async () => {
  const start = await latestLogSeq(h.deps.db);
  await store(start + 2, "after a seq that was never stored");
  const stream = await resume(start);
  await stream.until(() => stream.events.length >= 1, 3000);
  expect(stream.events.map((event) => Number(event.id))).toEqual([start + 2]);
  await stream.close();
});
