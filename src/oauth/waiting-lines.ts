/**
 * Password checks that wait on this node, first come first served, for a limit that only
 * checks in progress fill (src/oauth/brute-force.ts): one line per key (a login name + IP
 * pair, or an IP). A check that ends here wakes the first in its lines at once, so the
 * waiting costs no database statement and no check is overtaken by a later one; the first
 * in a line also looks again after `pollMs`, for checks that end on other nodes.
 */
export interface WaitingLines {
  /** Whether checks wait in `key`'s line: a newcomer then queues behind them. */
  waiting(key: string): boolean;
  /**
   * Waits in `key`'s line until it is first and a check of `key` ends on this node, or `pollMs`
   * pass while it is first, or `giveUpMs` pass in all.
   * @param front back at the head: it was first, looked, and found the limit still taken
   * @returns false once `giveUpMs` have passed (it has left the line)
   */
  wait(key: string, options: { pollMs: number; giveUpMs: number; front?: boolean }): Promise<boolean>;
  /** A check of `key` ended on this node: the first in its line looks again. */
  ended(key: string): void;
}

interface Waiter {
  wake: (turn: boolean) => void;
}

interface Line {
  waiters: Waiter[];
  /** The poll of the first waiter. */
  poll?: ReturnType<typeof setTimeout>;
  pollMs: number;
}

export function createWaitingLines(): WaitingLines {
  const lines = new Map<string, Line>();

  /** The first waiter's turn: it leaves the line and looks; the next one becomes first. */
  const wakeFirst = (key: string) => {
    const line = lines.get(key);
    if (!line) return;
    clearTimeout(line.poll);
    line.poll = undefined;
    const first = line.waiters.shift();
    pollFirst(key, line);
    first?.wake(true);
  };

  const pollFirst = (key: string, line: Line) => {
    if (line.waiters.length === 0) {
      lines.delete(key);
      return;
    }
    line.poll ??= setTimeout(() => wakeFirst(key), line.pollMs);
  };

  return {
    waiting: (key) => (lines.get(key)?.waiters.length ?? 0) > 0,
    wait(key, { pollMs, giveUpMs, front = false }) {
      let line = lines.get(key);
      if (!line) {
        line = { waiters: [], pollMs };
        lines.set(key, line);
      }
      const current = line;
      return new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          wake: (turn) => {
            clearTimeout(giveUp);
            resolve(turn);
          },
        };
        const giveUp = setTimeout(() => {
          const index = current.waiters.indexOf(waiter);
          if (index >= 0) current.waiters.splice(index, 1);
          if (index === 0) {
            clearTimeout(current.poll);
            current.poll = undefined;
            pollFirst(key, current);
          }
          resolve(false);
        }, giveUpMs);
        if (front) {
          // It was first: the poll it had armed is its own again.
          clearTimeout(current.poll);
          current.poll = undefined;
          current.waiters.unshift(waiter);
        } else {
          current.waiters.push(waiter);
        }
        pollFirst(key, current);
      });
    },
    ended: wakeFirst,
  };
}
