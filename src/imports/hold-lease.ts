import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { type Lease, renewLease } from "../db/jobs.ts";

/** A lease being kept alive: whether it was lost, and how to stop renewing it. */
export interface HeldLease {
  lost(): boolean;
  stop(): void;
}

/**
 * Renews this node's lease on a job every third of its length while the node works on it
 * (uploading or running). A renewal that finds the lease gone marks it lost: the worker
 * stops at its next step. A renewal that fails on a database error is retried at the next
 * tick (the lease still has two thirds to run).
 */
export function holdLease(db: Db, clock: Clock, jobId: string, lease: Lease): HeldLease {
  let lost = false;
  const timer = setInterval(
    () => {
      renewLease(db, jobId, lease, clock.now()).then(
        (held) => {
          if (!held) lost = true;
        },
        () => {},
      );
    },
    Math.max(100, Math.floor(lease.ms / 3)),
  );
  return { lost: () => lost, stop: () => clearInterval(timer) };
}
