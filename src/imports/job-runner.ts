import { unfinishedJobs } from "../db/jobs.ts";
import type { Deps } from "../deps.ts";
import { runUserImport } from "./run-user-import.ts";

/** Runs import jobs one at a time on this node, in the order they came. */
export interface JobRunner {
  enqueue(jobId: string): void;
  /** Picks up jobs a previous process left pending or half done (after a crash). */
  resume(): Promise<void>;
  /** Resolves when the queue is empty (tests, shutdown). */
  idle(): Promise<void>;
}

export function createJobRunner(deps: () => Deps): JobRunner {
  let chain: Promise<void> = Promise.resolve();
  const queued = new Set<string>();
  const runner: JobRunner = {
    enqueue(jobId) {
      if (queued.has(jobId)) return;
      queued.add(jobId);
      chain = chain.then(() => runUserImport(deps(), jobId)).finally(() => queued.delete(jobId));
    },
    async resume() {
      for (const job of await unfinishedJobs(deps().db)) runner.enqueue(job.id);
    },
    idle: () => chain,
  };
  return runner;
}
