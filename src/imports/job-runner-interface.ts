import type { Lease } from "../db/jobs.ts";

/**
 * Runs import jobs on this node, one at a time, oldest first. Jobs live in the database and
 * any node may run one: a node claims a job with a lease it keeps renewing, so a job whose
 * node died is claimed by another once the lease expires, and resumed where it stopped.
 */
export interface JobRunner {
  /** This node's lease: its id (one per process) and the lease length (`JOB_LEASE_SECONDS`). */
  lease(): Lease;
  /** Looks for work now (a job was just uploaded here). */
  enqueue(jobId?: string): void;
  /**
   * Starts claiming: now (jobs a previous process left pending or half done), then every
   * few seconds (jobs whose node died). Returns at once; the jobs run in the background.
   */
  resume(): Promise<void>;
  /** Resolves when this node has no claimable job left to run (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops looking for new work (the running job carries on until it ends). */
  stop(): void;
}
