import { claimNextJob, deleteAbandonedUploads, type Lease } from "../db/jobs.ts";
import type { Deps } from "../deps.ts";
import { newId } from "../security/new-id.ts";
import { runUserImport } from "./run-user-import.ts";

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

/** How often an idle node looks for claimable jobs: a cheap indexed UPDATE that usually changes nothing. */
const pollIntervalMs = (lease: Lease) => Math.max(100, Math.min(5000, Math.floor(lease.ms / 2)));

/** Timers that do not keep the process alive (Node and Bun timers; Deno's are numbers). */
const unref = (timer: unknown) => (timer as { unref?: () => void }).unref?.();

export function createJobRunner(deps: () => Deps): JobRunner {
  const owner = newId("node");
  let draining: Promise<void> | undefined;
  let wanted = false;
  let poller: ReturnType<typeof setInterval> | undefined;

  const lease = (): Lease => ({ owner, ms: deps().config.jobLeaseSeconds * 1000 });

  /** Claims and runs jobs until none is claimable (then again if more work was signalled meanwhile). */
  const drain = async () => {
    do {
      wanted = false;
      const { db, clock } = deps();
      await deleteAbandonedUploads(db, clock.now());
      for (let job = await claimNextJob(db, lease(), clock.now()); job; ) {
        deps().log.info({ event: "import_claimed", job_id: job.id, node: owner, from_line: job.processed });
        await runUserImport(deps(), job, lease());
        job = await claimNextJob(db, lease(), clock.now());
      }
    } while (wanted);
  };

  const poke = () => {
    wanted = true;
    draining ??= drain()
      .catch((error) => deps().log.error({ event: "import_claim_failed", err: error }))
      .finally(() => {
        draining = undefined;
      });
  };

  return {
    lease,
    enqueue: () => poke(),
    async resume() {
      if (!poller) {
        poller = setInterval(poke, pollIntervalMs(lease()));
        unref(poller);
      }
      poke();
    },
    async idle() {
      while (draining) await draining;
    },
    stop() {
      clearInterval(poller);
      poller = undefined;
    },
  };
}
