import { isDatabaseUnavailable } from "./errors.ts";

/**
 * The pauses between attempts at a step the database could not answer for now (a lock held
 * past `statement_timeout`, a restart, a failover): about half a minute in all, longer than
 * the usual blip, shorter than an import job's lease is worth holding on to.
 */
export const TRANSIENT_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000] as const;

/**
 * Runs `step`; while it fails because the database is unavailable for now, waits the next of
 * `delaysMs` and runs it again (the caller makes sure the step is safe to repeat). Other
 * errors, and the last transient one, are thrown; so is a transient one once `giveUp()` says
 * the work is no longer this node's.
 */
export async function retryTransient<T>(
  step: () => Promise<T>,
  options: {
    delaysMs?: readonly number[];
    giveUp?: () => boolean;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  } = {},
): Promise<T> {
  const delays = options.delaysMs ?? TRANSIENT_RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      const delayMs = delays[attempt];
      if (!isDatabaseUnavailable(error) || delayMs === undefined || options.giveUp?.()) throw error;
      options.onRetry?.(error, attempt + 1, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
