import { describe, expect, test } from "bun:test";
import { createWaitingLines } from "../../src/oauth/waiting-lines.ts";
import { firstComeFirstServed } from "../../src/security/password-hasher.ts";

const LONG = { pollMs: 60_000, giveUpMs: 60_000 };
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("waiting lines (brute-force limits filled by checks in progress)", () => {
  test("a check that ends gives the first in line a turn, and only it; the others keep their order", async () => {
    const lines = createWaitingLines();
    const woken: number[] = [];
    const waits = [0, 1, 2].map((n) =>
      lines.wait("pair", LONG).then((turn) => {
        woken.push(n);
        return turn;
      }),
    );
    expect(lines.waiting("pair")).toBe(true);
    lines.ended("pair");
    await tick();
    expect(woken).toEqual([0]);
    expect(await waits[0]).toEqual({ polled: false });
    lines.leave("pair", false);
    lines.ended("pair");
    lines.ended("pair");
    await Promise.all(waits);
    expect(woken).toEqual([0, 1, 2]);
    lines.leave("pair", false);
    lines.leave("pair", false);
    expect(lines.waiting("pair")).toBe(false);
  });

  test("one that holds a turn and still finds the limit taken waits again at the head, ahead of later ones", async () => {
    const lines = createWaitingLines();
    const woken: string[] = [];
    const first = lines.wait("pair", LONG);
    const second = lines.wait("pair", LONG).then(() => woken.push("second"));
    lines.ended("pair");
    await first;
    const again = lines.wait("pair", { ...LONG, front: true }).then(() => woken.push("first again"));
    lines.ended("pair");
    await tick();
    expect(woken).toEqual(["first again"]);
    lines.leave("pair", false);
    lines.ended("pair");
    await Promise.all([second, again]);
    expect(woken).toEqual(["first again", "second"]);
  });

  test("while a turn is held the line counts as waiting, and a check ending meanwhile is kept for it", async () => {
    const lines = createWaitingLines();
    const waiting = lines.wait("pair", LONG);
    lines.ended("pair");
    await waiting;
    // Woken and looking: a newcomer must still queue behind it.
    expect(lines.waiting("pair")).toBe(true);
    // A place frees while it looks and finds the limit taken: it looks again at once.
    lines.ended("pair");
    const started = performance.now();
    expect(await lines.wait("pair", { pollMs: 60_000, giveUpMs: 60_000, front: true })).toEqual({
      polled: false,
    });
    expect(performance.now() - started).toBeLessThan(50);
    lines.leave("pair", false);
    expect(lines.waiting("pair")).toBe(false);
  });

  test("lines are per key: a check of another pair wakes no one here", async () => {
    const lines = createWaitingLines();
    let woken = false;
    const wait = lines.wait("pair a", LONG).then(() => {
      woken = true;
    });
    lines.ended("pair b");
    await tick();
    expect(woken).toBe(false);
    lines.ended("pair a");
    await wait;
    expect(woken).toBe(true);
  });

  test("the first in line looks again after pollMs (a place freed on another node wakes no one here), not while a turn is held; a place found by the poll passes the turn on", async () => {
    const lines = createWaitingLines();
    const woken: number[] = [];
    const started = performance.now();
    const first = lines.wait("pair", { pollMs: 30, giveUpMs: 60_000 }).then((turn) => {
      woken.push(0);
      return turn;
    });
    const second = lines.wait("pair", { pollMs: 30, giveUpMs: 60_000 }).then((turn) => {
      woken.push(1);
      return turn;
    });
    expect(await first).toEqual({ polled: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    // The first holds its turn: the second does not poll meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(woken).toEqual([0]);
    // The first got its place from the poll: the next looks at once.
    lines.leave("pair", true);
    expect(await second).toEqual({ polled: true });
    lines.leave("pair", false);
    expect(lines.waiting("pair")).toBe(false);
  });

  test("a waiter gives up after giveUpMs, leaves the line, and the next one becomes first", async () => {
    const lines = createWaitingLines();
    expect(await lines.wait("pair", { pollMs: 60_000, giveUpMs: 20 })).toBeUndefined();
    expect(lines.waiting("pair")).toBe(false);
    const impatient = lines.wait("pair", { pollMs: 60_000, giveUpMs: 20 });
    const patient = lines.wait("pair", LONG);
    expect(await impatient).toBeUndefined();
    lines.ended("pair");
    expect(await patient).toEqual({ polled: false });
  });
});

describe("first come, first served (the password verifies)", () => {
  test("at most `slots` tasks run at once, and the waiting ones start in the order they came", async () => {
    const inTurn = firstComeFirstServed(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const tasks = Array.from({ length: 6 }, (_, n) =>
      inTurn(async () => {
        started.push(n);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => finish.push(resolve));
        running -= 1;
        return n;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    // The later of the two running ends first: the next waiting task starts, not a later one.
    finish[1]!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    finish[0]!();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (let n = 2; n < 6; n++) {
      finish[n]!();
      await tick();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  test("a task that throws frees its slot", async () => {
    const inTurn = firstComeFirstServed(1);
    await expect(
      inTurn(async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await inTurn(async () => "next")).toBe("next");
  });
});
