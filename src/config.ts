import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { type Static, Type as t } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

const LogLevel = t.Union(
  ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((level) => t.Literal(level)),
);

/** The typed configuration; the README's Configuration table lists the variables it comes from. */
export const Config = t.Object({
  port: t.Integer({ minimum: 0, maximum: 65535 }),
  host: t.String({ minLength: 1 }),
  /** RFC 8414 §2: an https (or, for development, http) URL with no query or fragment, used verbatim. */
  issuer: t.String({ pattern: "^https?://[^\\s?#]+$" }),
  dbPath: t.String({ minLength: 1 }),
  /** PostgreSQL instead of SQLite, for running many nodes on one database. */
  databaseUrl: t.Optional(t.String({ pattern: "^postgres(ql)?://" })),
  /** Connections one node keeps open to PostgreSQL at most. */
  databasePoolSize: t.Integer({ minimum: 1, maximum: 1000 }),
  /** PostgreSQL `statement_timeout`: a statement running longer is cancelled (503). */
  databaseStatementTimeoutMs: t.Integer({ minimum: 100, maximum: 600_000 }),
  /** How long opening a PostgreSQL connection (TCP, TLS, authentication) may take before it counts as failed. */
  databaseConnectTimeoutMs: t.Integer({ minimum: 100, maximum: 600_000 }),
  /**
   * How long this node waits for a query's answer, from the moment it is issued (waiting for
   * a pooled connection and opening one included), or for a transaction as a whole, before
   * the request answers 503: PostgreSQL unreachable in any way never holds a request longer.
   */
  databaseQueryTimeoutMs: t.Integer({ minimum: 100, maximum: 600_000 }),
  adminApiKey: t.Optional(t.String({ minLength: 16 })),
  ruleTimeoutMs: t.Integer({ minimum: 10, maximum: 60_000 }),
  ruleMemoryMb: t.Integer({ minimum: 16, maximum: 4096 }),
  ruleWorkers: t.Integer({ minimum: 1, maximum: 64 }),
  tenant: t.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }),
  production: t.Boolean(),
  logLevel: LogLevel,
  logRetentionDays: t.Integer({ minimum: 1, maximum: 3650 }),
  logHeartbeatMs: t.Integer({ minimum: 100, maximum: 300_000 }),
  /** How long a user+IP brute-force block lasts, in seconds. */
  bruteForceWindowSeconds: t.Integer({ minimum: 1, maximum: 31_536_000 }),
  /** Proxy addresses whose X-Forwarded-For is believed. */
  trustProxy: t.Array(t.String({ pattern: "^[0-9A-Fa-f:.]+$" })),
  /** Browser origins allowed to call the token, revocation and userinfo endpoints (CORS). */
  corsAllowedOrigins: t.Array(t.String({ pattern: "^https?://[^/\\s]+$" })),
  /** How long a node's claim on an import job lasts unrenewed: after it, another node resumes the job. */
  jobLeaseSeconds: t.Integer({ minimum: 2, maximum: 3600 }),
  /** The bearer token `/metrics` asks for; without it `/metrics` is open (keep it off the public network). */
  metricsToken: t.Optional(t.String({ minLength: 16, pattern: "^[A-Za-z0-9._~+/-]+=*$" })),
  /** After SIGTERM/SIGINT, how long the node keeps accepting connections (readiness 503) before it drains and stops. */
  shutdownGraceMs: t.Integer({ minimum: 0, maximum: 600_000 }),
});
export type Config = Static<typeof Config>;

/** Thrown when a variable has a bad value; its message names the variable. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const integer = (env: Env, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw.trim());
};

const text = (env: Env, name: string, fallback?: string): string | undefined => {
  const raw = env[name];
  return raw === undefined || raw === "" ? fallback : raw;
};

const toVariable: Record<keyof Config, string> = {
  port: "PORT",
  host: "HOST",
  issuer: "ISSUER",
  dbPath: "DB_PATH",
  databaseUrl: "DATABASE_URL",
  databasePoolSize: "DATABASE_POOL_SIZE",
  databaseStatementTimeoutMs: "DATABASE_STATEMENT_TIMEOUT_MS",
  databaseConnectTimeoutMs: "DATABASE_CONNECT_TIMEOUT_MS",
  databaseQueryTimeoutMs: "DATABASE_QUERY_TIMEOUT_MS",
  adminApiKey: "ADMIN_API_KEY",
  ruleTimeoutMs: "RULE_TIMEOUT_MS",
  ruleMemoryMb: "RULE_MEMORY_MB",
  ruleWorkers: "RULE_WORKERS",
  tenant: "TENANT",
  production: "NODE_ENV",
  logLevel: "LOG_LEVEL",
  logRetentionDays: "LOG_RETENTION_DAYS",
  logHeartbeatMs: "LOG_HEARTBEAT_MS",
  bruteForceWindowSeconds: "BRUTE_FORCE_WINDOW",
  trustProxy: "TRUST_PROXY",
  corsAllowedOrigins: "CORS_ALLOWED_ORIGINS",
  jobLeaseSeconds: "JOB_LEASE_SECONDS",
  metricsToken: "METRICS_TOKEN",
  shutdownGraceMs: "SHUTDOWN_GRACE_MS",
};

/** `loopback` in TRUST_PROXY stands for the local proxy addresses. */
const LOOPBACK = ["127.0.0.1", "::1", "::ffff:127.0.0.1"];

const list = (env: Env, name: string): string[] =>
  (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** One RFC 1123 §2.1 host name label: letters, digits and inner hyphens, at most 63 characters. */
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * HOST: an IP address or a host name. RFC 1123 §2.1: a host name never has the dotted-decimal
 * form, so all-numeric labels that are not an IPv4 address (`999.1.1.1`) are refused here
 * rather than by the socket at listen time.
 */
function host(env: Env): string {
  const raw = text(env, "HOST", "0.0.0.0")!;
  const labels = raw.replace(/\.$/, "").split(".");
  const isHostName =
    raw.length <= 253 &&
    labels.every((label) => HOST_LABEL.test(label)) &&
    !labels.every((label) => /^\d+$/.test(label));
  if (isIP(raw) === 0 && !isHostName) {
    throw new ConfigError(`HOST must be an IP address or a host name, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/**
 * The management key, from `ADMIN_API_KEY` or from the file `ADMIN_API_KEY_FILE` names (a
 * mounted secret keeps the key out of the environment), and which of the two gave it, for
 * error messages. The file's content is trimmed: a trailing newline is not part of the key.
 */
function adminApiKey(
  env: Env,
  readSecretFile: (path: string) => string,
): { value?: string; variable: "ADMIN_API_KEY" | "ADMIN_API_KEY_FILE" } {
  const direct = text(env, "ADMIN_API_KEY");
  const path = text(env, "ADMIN_API_KEY_FILE");
  if (path === undefined) return { value: direct, variable: "ADMIN_API_KEY" };
  if (direct !== undefined) {
    throw new ConfigError("ADMIN_API_KEY_FILE and ADMIN_API_KEY are both set: set only one of them");
  }
  let content: string;
  try {
    content = readSecretFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`ADMIN_API_KEY_FILE cannot be read: ${reason} (path ${JSON.stringify(path)})`);
  }
  const value = content.trim();
  if (value === "")
    throw new ConfigError(`ADMIN_API_KEY_FILE names an empty file (path ${JSON.stringify(path)})`);
  return { value, variable: "ADMIN_API_KEY_FILE" };
}

/**
 * Reads the README's configuration variables into a validated {@link Config}.
 * @param env the process environment (passed in: nothing else reads it)
 * @param cores how many CPU cores the machine has, for the default rule pool size
 * @param readSecretFile reads the file `ADMIN_API_KEY_FILE` names
 * @throws ConfigError naming the first variable with a bad value
 */
export function loadConfig(
  env: Env,
  cores = 2,
  readSecretFile = (path: string) => readFileSync(path, "utf8"),
): Config {
  const port = integer(env, "PORT", 3000);
  const adminKey = adminApiKey(env, readSecretFile);
  const candidate = {
    port,
    host: host(env),
    // RFC 8414 §3.3 / OIDC Discovery §4.3: verifiers compare `iss` with the issuer they were
    // given, character for character, so ISSUER is never rewritten. The default keeps Auth0's
    // trailing slash (`https://tenant/`).
    issuer: text(env, "ISSUER", `http://localhost:${port}/`),
    dbPath: text(env, "DB_PATH", "./data/rulegate.sqlite"),
    databaseUrl: text(env, "DATABASE_URL"),
    databasePoolSize: integer(env, "DATABASE_POOL_SIZE", 10),
    databaseStatementTimeoutMs: integer(env, "DATABASE_STATEMENT_TIMEOUT_MS", 5000),
    databaseConnectTimeoutMs: integer(env, "DATABASE_CONNECT_TIMEOUT_MS", 2000),
    databaseQueryTimeoutMs: integer(env, "DATABASE_QUERY_TIMEOUT_MS", 3000),
    adminApiKey: adminKey.value,
    ruleTimeoutMs: integer(env, "RULE_TIMEOUT_MS", 5000),
    ruleMemoryMb: integer(env, "RULE_MEMORY_MB", 128),
    ruleWorkers: integer(env, "RULE_WORKERS", Math.max(1, Math.min(cores, 8))),
    tenant: text(env, "TENANT", "default"),
    production: text(env, "NODE_ENV") === "production",
    logLevel: text(env, "LOG_LEVEL", "info"),
    logRetentionDays: integer(env, "LOG_RETENTION_DAYS", 30),
    logHeartbeatMs: integer(env, "LOG_HEARTBEAT_MS", 15_000),
    bruteForceWindowSeconds: integer(env, "BRUTE_FORCE_WINDOW", 86_400),
    trustProxy: list(env, "TRUST_PROXY").flatMap((entry) => (entry === "loopback" ? LOOPBACK : [entry])),
    corsAllowedOrigins: list(env, "CORS_ALLOWED_ORIGINS"),
    jobLeaseSeconds: integer(env, "JOB_LEASE_SECONDS", 30),
    metricsToken: text(env, "METRICS_TOKEN"),
    shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_MS", 5000),
  };
  if (candidate.adminApiKey === undefined) delete candidate.adminApiKey;
  if (candidate.metricsToken === undefined) delete candidate.metricsToken;
  if (candidate.databaseUrl === undefined) delete candidate.databaseUrl;
  const firstError = Value.Errors(Config, candidate).First();
  if (firstError) {
    const field = firstError.path.replace(/^\//, "").split("/")[0] as keyof Config;
    const variable = field === "adminApiKey" ? adminKey.variable : (toVariable[field] ?? field);
    // The keys and the database URL (which may hold a password) are never echoed.
    const hidden = field === "adminApiKey" || field === "databaseUrl" || field === "metricsToken";
    const shown = hidden ? "(hidden)" : JSON.stringify(env[variable] ?? "");
    throw new ConfigError(`${variable} is invalid: ${firstError.message} (value ${shown})`);
  }
  if (candidate.production && candidate.adminApiKey === undefined) {
    // A generated key would be printed among the logs a production host collects.
    throw new ConfigError(
      "ADMIN_API_KEY (or ADMIN_API_KEY_FILE) is required when NODE_ENV=production: no key is generated or printed in production",
    );
  }
  return candidate as Config;
}
