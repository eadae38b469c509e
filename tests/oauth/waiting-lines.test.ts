import { describe, expect, test } from "bun:test";
import { createWaitingLines } from "../../src/oauth/waiting-lines.ts";
import { firstComeFirstServed } from "../../src/security/password-hasher.ts";

const LONG = { pollMs: 60_000, giveUpMs: 60_000 };
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("waiting lines (brute-force limits filled by checks in progress)", () => {
  test("a check that ends wakes the first in line, and only it; the others keep their order", async () => {
    const lines = createWaitingLines();
    const woken: number[] = [];
    const waits = [0, 1, 2].map((n) => lines.wait("pair", LONG).then(() => woken.push(n)));
    expect(lines.waiting("pair")).toBe(true);
    lines.ended("pair");
    await tick();
    expect(woken).toEqual([0]);
    lines.ended("pair");
    lines.ended("pair");
    await Promise.all(waits);
    expect(woken).toEqual([0, 1, 2]);
    expect(lines.waiting("pair")).toBe(false);
  });

  test("one that was first and still found the limit taken goes back to the head, ahead of later ones", async () => {
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
    lines.ended("pair");
    await Promise.all([second, again]);
    expect(woken).toEqual(["first again", "second"]);
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

  test("the first in line looks again after pollMs (a check ending on another node wakes no one here); the others do not", async () => {
    const lines = createWaitingLines();
    const woken: number[] = [];
    const started = performance.now();
    const first = lines.wait("pair", { pollMs: 30, giveUpMs: 60_000 }).then(() => woken.push(0));
    void lines.wait("pair", { pollMs: 30, giveUpMs: 60_000 }).then(() => woken.push(1));
    await first;
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(woken).toEqual([0]);
    lines.ended("pair");
  });

  test("a waiter gives up after giveUpMs, leaves the line, and the next one becomes first", async () => {
    const lines = createWaitingLines();
    const gaveUp = await lines.wait("pair", { pollMs: 60_000, giveUpMs: 20 });
    expect(gaveUp).toBe(false);
    expect(lines.waiting("pair")).toBe(false);
    const impatient = lines.wait("pair", { pollMs: 60_000, giveUpMs: 20 });
    const patient = lines.wait("pair", LONG);
    expect(await impatient).toBe(false);
    lines.ended("pair");
    expect(await patient).toBe(true);
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
