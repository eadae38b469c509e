import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/database.ts";
import type { ResourceServerRow } from "./db/schema.ts";
import type { EmailQueue } from "./email/email-queue-interface.ts";
import type { Lifecycle } from "./health/lifecycle.ts";
import type { JobRunner } from "./imports/job-runner-interface.ts";
import type { EventLog } from "./logs/event-log.ts";
import type { Logger } from "./logs/logger.ts";
import type { Metrics } from "./metrics/metrics.ts";
import type { WaitingLines } from "./oauth/waiting-lines.ts";
import type { RulePool } from "./rules/pool.ts";
import type { PasswordHasher } from "./security/password-hasher.ts";
import type { KeyStore } from "./tokens/key-store.ts";

/** Everything the app needs, built once by main.ts (or by a test) and passed in. */
export interface Deps {
  config: Config;
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  keys: KeyStore;
  /** The operational log (stdout JSON lines). */
  log: Logger;
  /** The stored, queryable, streamable event log (`/api/v2/logs`, its live stream). */
  events: EventLog;
  /** The rule sandbox: runs the rule for token requests, compiles and tries scripts. */
  rules: RulePool;
  /** Runs bulk user import jobs on this node. */
  imports: JobRunner;
  /**
   * SHA-256 of the management API key (SECURITY.md, "Who is trusted with what"); the key
   * itself is never kept.
   */
  adminKeyDigest: string;
  /** This node's Prometheus metrics (`GET /metrics`). */
  metrics: Metrics;
  /**
   * The APIs Rulegate has without storing them that a client grant may name: the Management
   * API (src/management/management-api.ts), passed in so that the token endpoint does not
   * depend on the management routes. The password grant never issues tokens for them.
   */
  builtInApis: readonly ResourceServerRow[];
  /** Whether the node is shutting down: readiness answers 503 from the first signal on. */
  lifecycle: Lifecycle;
  /** Sends the queued account emails (password reset, verification, welcome) on this node. */
  emails: EmailQueue;
  /** Password checks waiting on this node for a brute-force limit that checks in progress fill. */
  waitingLines: WaitingLines;
}
