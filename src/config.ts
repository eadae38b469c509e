import { type Static, Type as t } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

const LogLevel = t.Union(
  ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((level) => t.Literal(level)),
);

/** The typed configuration; SPEC §8 lists the variables it comes from. */
export const Config = t.Object({
  port: t.Integer({ minimum: 0, maximum: 65535 }),
  host: t.String({ minLength: 1 }),
  issuer: t.String({ pattern: "^https?://[^\\s]+/$" }),
  dbPath: t.String({ minLength: 1 }),
  adminApiKey: t.Optional(t.String({ minLength: 16 })),
  ruleTimeoutMs: t.Integer({ minimum: 10, maximum: 60_000 }),
  ruleMemoryMb: t.Integer({ minimum: 16, maximum: 4096 }),
  ruleWorkers: t.Integer({ minimum: 1, maximum: 64 }),
  tenant: t.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }),
  production: t.Boolean(),
  logLevel: LogLevel,
  logRetentionDays: t.Integer({ minimum: 1, maximum: 3650 }),
  logHeartbeatMs: t.Integer({ minimum: 100, maximum: 300_000 }),
  /** How long a user+IP brute-force block lasts, in seconds (SPEC §7). */
  bruteForceWindowSeconds: t.Integer({ minimum: 1, maximum: 31_536_000 }),
  /** Proxy addresses whose X-Forwarded-For is believed. */
  trustProxy: t.Array(t.String({ pattern: "^[0-9A-Fa-f:.]+$" })),
  /** Browser origins allowed to call the token, revocation and userinfo endpoints (CORS). */
  corsAllowedOrigins: t.Array(t.String({ pattern: "^https?://[^/\\s]+$" })),
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
};

/** `loopback` in TRUST_PROXY stands for the local proxy addresses. */
const LOOPBACK = ["127.0.0.1", "::1", "::ffff:127.0.0.1"];

const list = (env: Env, name: string): string[] =>
  (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** Issuers are published with a trailing slash, as Auth0 does (`https://tenant/`). */
const withTrailingSlash = (url: string) => (url.endsWith("/") ? url : `${url}/`);

/**
 * Reads SPEC §8's variables into a validated {@link Config}.
 * @param env the process environment (passed in: nothing else reads it)
 * @param cores how many CPU cores the machine has, for the default rule pool size
 * @throws ConfigError naming the first variable with a bad value
 */
export function loadConfig(env: Env, cores = 2): Config {
  const port = integer(env, "PORT", 3000);
  const candidate = {
    port,
    host: text(env, "HOST", "0.0.0.0"),
    issuer: withTrailingSlash(text(env, "ISSUER", `http://localhost:${port}/`)!),
    dbPath: text(env, "DB_PATH", "./data/rulegate.sqlite"),
    adminApiKey: text(env, "ADMIN_API_KEY"),
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
  };
  if (candidate.adminApiKey === undefined) delete candidate.adminApiKey;
  const firstError = Value.Errors(Config, candidate).First();
  if (firstError) {
    const field = firstError.path.replace(/^\//, "").split("/")[0] as keyof Config;
    const variable = toVariable[field] ?? field;
    const shown = field === "adminApiKey" ? "(hidden)" : JSON.stringify(env[variable] ?? "");
    throw new ConfigError(`${variable} is invalid: ${firstError.message} (value ${shown})`);
  }
  return candidate as Config;
}
