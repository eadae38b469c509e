import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { GrantType } from "../model/grant-types.ts";

/** The steps of a token exchange whose time is measured (`rulegate_token_step_duration_seconds`). */
export type TokenStep = "password" | "rule" | "signing" | "database";

/** How a rule call ended (`rulegate_rule_calls_total`): the rule's result, or why the pool ended it. */
export type RuleCallOutcome = "ok" | "denied" | "error" | "timeout" | "memory";

/** Why the pool replaced a rule host (`rulegate_rule_host_restarts_total`). */
export type RuleHostRestartReason = "timeout" | "memory" | "crashed";

/** Which brute-force block started (`rulegate_brute_force_blocks_total`). */
export type BruteForceBlock = "user_ip" | "ip";

/** The database connections of this node: the pool's size, and how many are in use now. */
export interface DatabasePoolUse {
  maxConnections: number;
  inUse: number;
}

/** What the gauges read at scrape time, attached once the pool and the database exist. */
export interface MetricSources {
  ruleQueueDepth?: () => number;
  databasePool?: () => DatabasePoolUse;
}

/** Seconds buckets from 1 ms to 10 s: an exchange is tens of milliseconds, a slow rule seconds. */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * This node's Prometheus metrics, in a registry of their own (README, "Operating Rulegate").
 * Label values come from closed sets only (grant types, OAuth error codes, step and outcome
 * names): never a user, a client, a secret or anything a request chooses.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  const registers = [registry];
  const sources: MetricSources = {};
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const metrics = {
    registry,
    sources,
    tokenRequests: new Counter<"grant_type" | "outcome">({
      name: "rulegate_token_requests_total",
      help: "Token requests by grant type and outcome (success, or the OAuth error code)",
      labelNames: ["grant_type", "outcome"],
      registers,
    }),
    tokenDuration: new Histogram<"grant_type">({
      name: "rulegate_token_request_duration_seconds",
      help: "Time of a whole token request, from its arrival to its answer",
      labelNames: ["grant_type"],
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    tokenStepDuration: new Histogram<"step">({
      name: "rulegate_token_step_duration_seconds",
      help: "Time of the steps of a token exchange: password verification, rule, signing, database",
      labelNames: ["step"],
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    ruleCalls: new Counter<"outcome">({
      name: "rulegate_rule_calls_total",
      help: "Rule calls of token exchanges by outcome (ok, denied, error, timeout, memory)",
      labelNames: ["outcome"],
      registers,
    }),
    ruleHostRestarts: new Counter<"reason">({
      name: "rulegate_rule_host_restarts_total",
      help: "Rule hosts the pool replaced, by reason (timeout, memory, crashed)",
      labelNames: ["reason"],
      registers,
    }),
    ruleQueueDepth: new Gauge({
      name: "rulegate_rule_queue_depth",
      help: "Rule calls waiting for a rule host",
      registers,
      collect() {
        this.set(sources.ruleQueueDepth?.() ?? 0);
      },
    }),
    ruleQueueRejections: new Counter({
      name: "rulegate_rule_queue_rejections_total",
      help: "Rule calls refused because too many were waiting",
      registers,
    }),
    bruteForceBlocks: new Counter<"kind">({
      name: "rulegate_brute_force_blocks_total",
      help: "Brute-force blocks started, by kind (user_ip: a login name from one IP; ip: an IP)",
      labelNames: ["kind"],
      registers,
    }),
    logStreamSubscribers: new Gauge({
      name: "rulegate_log_stream_subscribers",
      help: "Open live log streams (GET /api/v2/logs/stream)",
      registers,
    }),
    databasePoolMax: new Gauge({
      name: "rulegate_db_pool_max_connections",
      help: "Database connections this node may hold (DATABASE_POOL_SIZE; 1 for SQLite)",
      registers,
      collect() {
        this.set(sources.databasePool?.().maxConnections ?? 1);
      },
    }),
    databasePoolInUse: new Gauge({
      name: "rulegate_db_pool_in_use",
      help: "Database queries and transactions in progress (those beyond the pool's size wait for a connection)",
      registers,
      collect() {
        this.set(sources.databasePool?.().inUse ?? 0);
      },
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The label of a grant type, or `unknown` before the request named one this server has. */
export const grantLabel = (grantType: GrantType | undefined): string => grantType ?? "unknown";
