import type { Metrics, TokenStep } from "./metrics.ts";

/** Runs one step of a token exchange and records its time (`rulegate_token_step_duration_seconds`). */
export async function timeStep<T>(metrics: Metrics, step: TokenStep, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    metrics.tokenStepDuration.observe({ step }, (performance.now() - started) / 1000);
  }
}
