import { type Static, type TSchema, Type as t } from "@sinclair/typebox";
import {
  commaList,
  emailSender,
  hostAndPortList,
  hostOrAddress,
  key256,
  modulesFolder,
  proxyAddresses,
  smtpUrl,
  wholeNumber,
} from "./parse-value.ts";

/** What a default may depend on besides constants. */
export interface DefaultContext {
  /** The machine's CPU cores. */
  cores: number;
  /** The port PORT gave (read before every setting that follows it). */
  port: number;
}

/**
 * One setting, declared once: everything else about it (the `Config` type, how its variable is
 * read and checked, the message a bad value stops start-up with, its row in the README's
 * Configuration table) is derived from this.
 */
export interface Setting<Schema extends TSchema = TSchema> {
  /** The environment variable it is read from. */
  variable: string;
  /** What a valid value is; `t.Optional` for a setting with no default that may stay unset. */
  schema: Schema;
  /**
   * Turns the variable's text into the value the schema checks; the text itself when absent.
   * Throws `InvalidValue` for text that is not a value of its kind.
   */
  parse?: (text: string) => unknown;
  /** The value when the variable is unset or empty (a function when it depends on the machine or PORT). */
  default?: Static<Schema> | ((context: DefaultContext) => Static<Schema>);
  /** The README's default column, when it is not simply the default value. */
  defaultText?: string;
  /** The README's description (Markdown). */
  description: string;
  /** Never shown: not in an error message, not in the README. */
  secret?: true;
  /**
   * A second variable that names a file whose content (trimmed) is the value, so that a
   * mounted secret keeps the value out of the environment. Only one of the two may be set.
   */
  file?: { variable: string; description: string };
}

/** Declares one setting, keeping its schema's type for the derived `Config` type. */
const setting = <Schema extends TSchema>(declaration: Setting<Schema>): Setting<Schema> => declaration;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const milliseconds = (minimum: number, maximum: number) => t.Integer({ minimum, maximum });

/**
 * Every setting Rulegate reads from the environment, in the order of the README's
 * Configuration table.
 */
export const settings = {
  port: setting({
    variable: "PORT",
    schema: t.Integer({ minimum: 0, maximum: 65535 }),
    parse: wholeNumber,
    default: 3000,
    description: "the TCP port the server listens on",
  }),
  host: setting({
    variable: "HOST",
    schema: t.String({ minLength: 1 }),
    parse: hostOrAddress,
    default: "0.0.0.0",
    description: "the address the server listens on: an IP address or a host name",
  }),
  issuer: setting({
    variable: "ISSUER",
    // RFC 8414 §2: an https (or, for development, http) URL with no query or fragment.
    schema: t.String({ pattern: "^https?://[^\\s?#]+$" }),
    // RFC 8414 §3.3 / OIDC Discovery §4.3: verifiers compare `iss` with the issuer they were
    // given, character for character, so ISSUER is never rewritten. The default keeps Auth0's
    // trailing slash (`https://tenant/`).
    default: ({ port }) => `http://localhost:${port}/`,
    defaultText: "`http://localhost:$PORT/`",
    description:
      "the `iss`, used verbatim, and the base of every published URL; an issuer with a path (`https://host/tenant1`) is served under that path too, with discovery at `/tenant1/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server/tenant1`",
  }),
  dbPath: setting({
    variable: "DB_PATH",
    schema: t.String({ minLength: 1 }),
    default: "./data/rulegate.sqlite",
    description: "SQLite file (WAL mode); migrations in `drizzle/` are applied at start-up",
  }),
  databaseUrl: setting({
    variable: "DATABASE_URL",
    schema: t.Optional(t.String({ pattern: "^postgres(ql)?://" })),
    secret: true,
    description:
      "`postgres://user:password@host:5432/db`: PostgreSQL instead of SQLite, for several nodes on one database ([Running several nodes](#running-several-nodes)); migrations in `drizzle-pg/` are applied at start-up. Never printed, not even in a configuration error",
  }),
  databasePoolSize: setting({
    variable: "DATABASE_POOL_SIZE",
    schema: t.Integer({ minimum: 1, maximum: 1000 }),
    parse: wholeNumber,
    default: 10,
    description: "PostgreSQL connections one node keeps open at most",
  }),
  databaseStatementTimeoutMs: setting({
    variable: "DATABASE_STATEMENT_TIMEOUT_MS",
    schema: milliseconds(100, 600_000),
    parse: wholeNumber,
    default: 5000,
    description:
      "PostgreSQL `statement_timeout`: a statement running longer (a lock wait included) is cancelled by the server and the request answered 503",
  }),
  databaseConnectTimeoutMs: setting({
    variable: "DATABASE_CONNECT_TIMEOUT_MS",
    schema: milliseconds(100, 600_000),
    parse: wholeNumber,
    default: 2000,
    description:
      "how long opening a PostgreSQL connection (TCP, TLS, authentication) may take; past it the request is answered 503 (at start-up: the one-line `DATABASE_URL` error)",
  }),
  databaseQueryTimeoutMs: setting({
    variable: "DATABASE_QUERY_TIMEOUT_MS",
    schema: milliseconds(100, 600_000),
    parse: wholeNumber,
    default: 3000,
    description:
      "how long a node waits for PostgreSQL's answer to a query, from the moment it is issued (waiting for a free pooled connection and opening one included), or for a transaction as a whole; past it the request is answered 503 `temporarily_unavailable` with `Retry-After`. This is what bounds a request while PostgreSQL is unreachable in a way that refuses nothing (packets lost); when the server answered nothing at all meanwhile, the node drops its connections and opens new ones ([Running several nodes](#running-several-nodes))",
  }),
  adminApiKey: setting({
    variable: "ADMIN_API_KEY",
    schema: t.Optional(t.String({ minLength: 16 })),
    secret: true,
    defaultText: "generated on first start (development only)",
    description:
      "management API key (≥ 16 characters); in production this or `ADMIN_API_KEY_FILE` is required",
    file: {
      variable: "ADMIN_API_KEY_FILE",
      description:
        "a file whose content (trimmed) is the management key, e.g. a mounted secret; set it or `ADMIN_API_KEY`, not both",
    },
  }),
  mfaSecretKey: setting({
    variable: "MFA_SECRET_KEY",
    schema: t.Optional(t.String()),
    parse: key256,
    secret: true,
    defaultText: "generated and kept in the database (development only)",
    description:
      'the AES-256 key users\' TOTP secrets are encrypted with: 32 bytes in base64 (`openssl rand -base64 32`); production refuses MFA without it (README, "Multi-factor authentication")',
    file: {
      variable: "MFA_SECRET_KEY_FILE",
      description: "a file whose content (trimmed) is that key; set it or `MFA_SECRET_KEY`, not both",
    },
  }),
  smtpUrl: setting({
    variable: "SMTP_URL",
    schema: t.Optional(t.String()),
    parse: smtpUrl,
    secret: true,
    defaultText:
      "none: development prints each email's link to the terminal; production refuses the flows that send email",
    description:
      'the SMTP server the account emails (password reset, email verification, welcome) are sent through: `smtp://user:password@host:587` (STARTTLS when the server offers it) or `smtps://…:465` (README, "Sign-up, password reset and email"); `/api/v2/emails/provider` may set one instead',
    file: {
      variable: "SMTP_URL_FILE",
      description: "a file whose content (trimmed) is that URL; set it or `SMTP_URL`, not both",
    },
  }),
  emailFrom: setting({
    variable: "EMAIL_FROM",
    schema: t.Optional(t.String({ minLength: 3, maxLength: 320 })),
    parse: emailSender,
    defaultText: "`no-reply@` the issuer's host",
    description:
      "the sender of the account emails: `no-reply@example.com` or `Example <no-reply@example.com>`",
  }),
  emailRetrySeconds: setting({
    variable: "EMAIL_RETRY_SECONDS",
    schema: t.Integer({ minimum: 1, maximum: 3600 }),
    parse: wholeNumber,
    default: 30,
    description:
      "how long a node waits before trying again to send an email the SMTP server did not take; each further try waits twice as long, up to an hour, and the eighth failure gives the email up (an `fn` log event)",
  }),
  ruleTimeoutMs: setting({
    variable: "RULE_TIMEOUT_MS",
    schema: milliseconds(10, 60_000),
    parse: wholeNumber,
    default: 5000,
    description: "time limit of one rule call",
  }),
  ruleMemoryMb: setting({
    variable: "RULE_MEMORY_MB",
    schema: t.Integer({ minimum: 16, maximum: 4096 }),
    parse: wholeNumber,
    default: 128,
    description:
      "memory a rule host may hold beyond its loaded rule (V8 heap limit and resident memory), across calls",
  }),
  ruleWorkers: setting({
    variable: "RULE_WORKERS",
    schema: t.Integer({ minimum: 1, maximum: 64 }),
    parse: wholeNumber,
    default: ({ cores }) => Math.max(1, Math.min(cores, 8)),
    defaultText: "the number of cores (≤ 8)",
    description: "rule-host processes kept warm for the deployed rule",
  }),
  ruleModulesDir: setting({
    variable: "RULE_MODULES_DIR",
    schema: t.Optional(t.String({ minLength: 1 })),
    parse: modulesFolder,
    description:
      'a folder of npm packages rules may `require` (its own `package.json` and `node_modules`, installed with npm); rule hosts may read it and no other file (README, "Calling your services from a rule")',
  }),
  ruleAllowedHosts: setting({
    variable: "RULE_ALLOWED_HOSTS",
    schema: t.Array(t.String()),
    parse: hostAndPortList,
    default: [],
    description:
      "the `host:port` list rules may connect to (`api.internal.example:443,127.0.0.1:8080`); empty: no network",
  }),
  tenant: setting({
    variable: "TENANT",
    schema: t.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }),
    default: "default",
    description: "tenant name passed to the rule",
  }),
  production: setting({
    variable: "NODE_ENV",
    schema: t.Boolean(),
    parse: (text) => text === "production",
    default: false,
    description:
      "`production` turns off the demo provisioning and requires `ADMIN_API_KEY` or `ADMIN_API_KEY_FILE`",
  }),
  logLevel: setting({
    variable: "LOG_LEVEL",
    schema: t.Union(LOG_LEVELS.map((level) => t.Literal(level))),
    default: "info",
    description: `\`${LOG_LEVELS.join(" ")}\``,
  }),
  logRetentionDays: setting({
    variable: "LOG_RETENTION_DAYS",
    schema: t.Integer({ minimum: 1, maximum: 3650 }),
    parse: wholeNumber,
    default: 30,
    description: "how long log events are kept",
  }),
  logHeartbeatMs: setting({
    variable: "LOG_HEARTBEAT_MS",
    schema: milliseconds(100, 300_000),
    parse: wholeNumber,
    default: 15_000,
    description: "heartbeat interval of the log stream",
  }),
  bruteForceWindowSeconds: setting({
    variable: "BRUTE_FORCE_WINDOW",
    schema: t.Integer({ minimum: 1, maximum: 31_536_000 }),
    parse: wholeNumber,
    default: 86_400,
    description: "seconds a user+IP brute-force block lasts (an admin or a password change lifts it sooner)",
  }),
  trustProxy: setting({
    variable: "TRUST_PROXY",
    schema: t.Array(t.String({ pattern: "^[0-9A-Fa-f:.]+$" })),
    parse: proxyAddresses,
    default: [],
    description: "comma-separated proxy addresses (or `loopback`) whose `X-Forwarded-For` is believed",
  }),
  corsAllowedOrigins: setting({
    variable: "CORS_ALLOWED_ORIGINS",
    schema: t.Array(t.String({ pattern: "^https?://[^/\\s]+$" })),
    parse: commaList,
    default: [],
    description:
      "comma-separated browser origins allowed to call `/oauth/token`, `/oauth/revoke`, `/userinfo`",
  }),
  jobLeaseSeconds: setting({
    variable: "JOB_LEASE_SECONDS",
    schema: t.Integer({ minimum: 2, maximum: 3600 }),
    parse: wholeNumber,
    default: 30,
    description:
      "how long a node's claim on a user import job lasts without renewal (renewed every third of it); a job whose node died is resumed by another node once it expires. Each node looks for unclaimed jobs every few seconds",
  }),
  metricsToken: setting({
    variable: "METRICS_TOKEN",
    schema: t.Optional(t.String({ minLength: 16, pattern: "^[A-Za-z0-9._~+/-]+=*$" })),
    secret: true,
    description:
      "a bearer token (≥ 16 characters of `A-Z a-z 0-9 - . _ ~ + /`) that `GET /metrics` asks for; without it `/metrics` is open, so keep it off the public network. Never printed",
  }),
  shutdownGraceMs: setting({
    variable: "SHUTDOWN_GRACE_MS",
    schema: milliseconds(0, 600_000),
    parse: wholeNumber,
    default: 5000,
    description:
      "after SIGTERM or SIGINT, how long the node keeps serving with readiness at 503 (for load balancers to take it out) before it stops listening and drains ([Operating Rulegate](#operating-rulegate))",
  }),
};

/** The settings' names, the keys of `Config`. */
export type SettingName = keyof typeof settings;
