/**
 * Password checks that wait on this node, first come first served, for a limit that only
 * checks in progress fill (src/oauth/brute-force.ts): one line per key (a login name + IP
 * pair, or an IP). A check that ends here gives the first in its lines a turn at once, so
 * the waiting costs no database statement and no check is overtaken by a later one; while
 * no one holds a turn, the first in a line also looks again every `pollMs`, for places
 * freed elsewhere (a check ending on another node, a reservation lapsing).
 *
 * A turn is held from the moment a waiter is woken until it {@link WaitingLines.leave}s or
 * waits again: meanwhile the line counts as waiting (a newcomer queues behind it), and a
 * check that ends is kept for it, so it looks again at once if it finds the place taken.
 */
export interface WaitingLines {
  /** Whether checks wait, or hold a turn, in `key`'s line: a newcomer then queues behind them. */
  waiting(key: string): boolean;
  /**
   * Waits in `key`'s line for a turn, or `giveUpMs` in all.
   * @param front the caller holds a turn of this line and found the limit still taken: it
   *   waits again at the head
   * @returns the turn (`polled`: given by the poll, not by a check that ended), or undefined
   *   once `giveUpMs` have passed (the caller has then left the line)
   */
  wait(
    key: string,
    options: { pollMs: number; giveUpMs: number; front?: boolean },
  ): Promise<{ polled: boolean } | undefined>;
  /**
   * The holder of a turn leaves `key`'s line: it has its place, or it is refused for good.
   * @param next whether the next in line should look at once (a block refuses everyone; a
   *   place found by the poll may not be the only one freed)
   */
  leave(key: string, next: boolean): void;
  /** A check of `key` ended on this node: the first in its line gets a turn. */
  ended(key: string): void;
}

interface Waiter {
  turn(polled: boolean): void;
}

interface Line {
  waiters: Waiter[];
  /** Waiters woken and looking (holding a turn). */
  looking: number;
  /** Checks that ended while someone was looking and no one waited: turns owed. */
  owed: number;
  pollMs: number;
  poll?: ReturnType<typeof setTimeout>;
}

export function createWaitingLines(): WaitingLines {
  const lines = new Map<string, Line>();

  /** The first waiter gets a turn. */
  const wake = (line: Line, polled: boolean) => {
    const first = line.waiters.shift();
    if (!first) return;
    line.looking += 1;
    first.turn(polled);
  };

  /** While no one looks, the first waiter looks again every pollMs; an empty line goes. */
  const settle = (key: string, line: Line) => {
    if (line.looking > 0 || line.waiters.length === 0) {
      clearTimeout(line.poll);
      line.poll = undefined;
    }
    if (line.looking === 0 && line.waiters.length === 0) {
      line.owed = 0;
      if (lines.get(key) === line) lines.delete(key);
      return;
    }
    if (line.looking === 0 && !line.poll) {
      line.poll = setTimeout(() => {
        line.poll = undefined;
        wake(line, true);
        settle(key, line);
      }, line.pollMs);
    }
  };

  return {
    waiting: (key) => {
      const line = lines.get(key);
      return line !== undefined && (line.waiters.length > 0 || line.looking > 0);
    },
    wait(key, { pollMs, giveUpMs, front = false }) {
      let line = lines.get(key);
      if (!line) {
        line = { waiters: [], looking: 0, owed: 0, pollMs };
        lines.set(key, line);
      }
      const current = line;
      if (front) current.looking = Math.max(0, current.looking - 1);
      // A check ended while this one looked: its turn is now.
      if (front && current.owed > 0) {
        current.owed -= 1;
        current.looking += 1;
        return Promise.resolve({ polled: false });
      }
      return new Promise((resolve) => {
        const waiter: Waiter = {
          turn: (polled) => {
            clearTimeout(giveUp);
            resolve({ polled });
          },
        };
        const giveUp = setTimeout(() => {
          const index = current.waiters.indexOf(waiter);
          if (index >= 0) current.waiters.splice(index, 1);
          settle(key, current);
          resolve(undefined);
        }, giveUpMs);
        if (front) current.waiters.unshift(waiter);
        else current.waiters.push(waiter);
        settle(key, current);
      });
    },
    leave(key, next) {
      const line = lines.get(key);
      if (!line) return;
      line.looking = Math.max(0, line.looking - 1);
      if (line.looking === 0) line.owed = 0;
      if (next) wake(line, true);
      settle(key, line);
    },
    ended(key) {
      const line = lines.get(key);
      if (!line) return;
      if (line.waiters.length > 0) wake(line, false);
      else if (line.looking > 0) line.owed += 1;
      settle(key, line);
    },
  };
}
