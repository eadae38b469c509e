import { claimNextJob, deleteAbandonedUploads, type Lease } from "../db/jobs.ts";
import type { Deps } from "../deps.ts";
import { newId } from "../security/new-id.ts";
import type { JobRunner } from "./job-runner-interface.ts";
import { runUserImport } from "./run-user-import.ts";

export type { JobRunner } from "./job-runner-interface.ts";

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
