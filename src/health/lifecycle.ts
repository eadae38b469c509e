/** Where this node is in its life: running, shutting down (a signal came), draining. */
export interface Lifecycle {
  /** Set at the first SIGTERM or SIGINT: readiness answers 503 from then on. */
  shuttingDown: boolean;
  /** Aborted when the node stops taking requests: long-lived answers (the live log stream) end then. */
  draining: AbortSignal;
  /** Marks the start of draining. */
  drain(): void;
}

/** A node that is up and not shutting down. */
export function createLifecycle(): Lifecycle {
  const draining = new AbortController();
  return { shuttingDown: false, draining: draining.signal, drain: () => draining.abort() };
}
