/** Cancels a timer; calling it again, or after the timer ran, does nothing. */
export type CancelTimer = () => void;

/**
 * The timers the rule pool and its host supervisors run on: every deadline and watchdog of a
 * host goes through here, so tests drive them with a fake clock instead of waiting.
 */
export interface PoolTimers {
  /**
   * Runs `run` once after `ms`. `background`: the timer alone does not keep the process
   * alive (a back-off has nothing to finish if the server is ending).
   */
  after(ms: number, run: () => void, options?: { background?: boolean }): CancelTimer;
  /** Runs `run` every `ms` until cancelled; a watchdog, so it never keeps the process alive. */
  every(ms: number, run: () => void): CancelTimer;
}

/** Bun's timers have `unref`; Deno's global timers are numbers, for which nothing is needed here. */
const unref = (timer: unknown) => (timer as { unref?: () => void }).unref?.();

/** The runtime's own timers. */
export const realTimers: PoolTimers = {
  after(ms, run, options) {
    const timer = setTimeout(run, ms);
    if (options?.background) unref(timer);
    return () => clearTimeout(timer);
  },
  every(ms, run) {
    const timer = setInterval(run, ms);
    unref(timer);
    return () => clearInterval(timer);
  },
};
