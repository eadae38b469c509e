/**
 * The data model, written once: Drizzle's SQLite tables, the source of the row types
 * (`$inferSelect`). `pg-schema.ts`, PostgreSQL's tables, is generated from this file: after a
 * change, run `npm run db:generate` (README, "Development"), which also writes the migrations.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ClientGrantType } from "../model/client-grant-types.ts";
import type { SigningAlg } from "../model/signing-algorithms.ts";
import type { TokenEndpointAuthMethod } from "../model/token-endpoint-auth-methods.ts";
import {
  DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME,
  DEFAULT_REFRESH_TOKEN_LIFETIME,
} from "../model/token-lifetimes.ts";

type JsonObject = Record<string, unknown>;

const timestamps = {
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
};

/**
 * End users who exchange a password for tokens. Emails are stored lower-cased (Auth0 does the
 * same). The indexes serve the user search (`GET /api/v2/users?q=`) and its default order.
 */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull().unique(),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    name: text("name").notNull(),
    /** argon2id PHC string; never returned by any API. */
    passwordHash: text("password_hash").notNull(),
    userMetadata: text("user_metadata", { mode: "json" }).$type<JsonObject>().notNull(),
    appMetadata: text("app_metadata", { mode: "json" }).$type<JsonObject>().notNull(),
    blocked: integer("blocked", { mode: "boolean" }).notNull().default(false),
    /** Profile fields kept from an Auth0 import (Auth0's names). */
    givenName: text("given_name"),
    familyName: text("family_name"),
    nickname: text("nickname"),
    picture: text("picture"),
    /** Auth0's optional login name of a database connection; unique when set. */
    username: text("username").unique(),
    phoneNumber: text("phone_number"),
    phoneVerified: integer("phone_verified", { mode: "boolean" }).notNull().default(false),
    /** Successful password exchanges, the last one's time and end-user IP (Auth0's fields). */
    loginsCount: integer("logins_count").notNull().default(0),
    lastLogin: integer("last_login", { mode: "timestamp_ms" }),
    lastIp: text("last_ip"),
    /** The import job and line a user came from, so an interrupted import knows what landed. */
    importJobId: text("import_job_id"),
    importLine: integer("import_line"),
    ...timestamps,
  },
  (table) => [
    index("users_created_at").on(table.createdAt, table.id),
    // name, given_name… are searched case-insensitively (as in Auth0): by their lower case.
    index("users_name_lower").on(sql`lower(${table.name})`),
  ],
);

// Re-exported for the modules that still import them from here; src/model/ is their source.

/** OAuth clients (applications). The secret is kept only as a SHA-256 digest. */
export const clients = sqliteTable("clients", {
  clientId: text("client_id").primaryKey(),
  clientSecretHash: text("client_secret_hash"),
  name: text("name").notNull(),
  tokenEndpointAuthMethod: text("token_endpoint_auth_method").$type<TokenEndpointAuthMethod>().notNull(),
  grantTypes: text("grant_types", { mode: "json" }).$type<ClientGrantType[]>().notNull(),
  clientMetadata: text("client_metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
  /** Auth0's flag: a confidential client may name the end user's IP in `auth0-forwarded-for`. */
  isTokenEndpointIpHeaderTrusted: integer("is_token_endpoint_ip_header_trusted", { mode: "boolean" })
    .notNull()
    .default(false),
  /** OpenID Connect Registration §2 `id_token_signed_response_alg`: the ID token's JWS algorithm. */
  idTokenSignedResponseAlg: text("id_token_signed_response_alg")
    .$type<SigningAlg>()
    .notNull()
    .default("RS256"),
  /**
   * Auth0's `refresh_token.leeway`: seconds after a rotation during which the rotated-away
   * token may be presented again without counting as reuse (OAuth 2.0 Security BCP §4.14.2
   * leaves the grace to the server); 0 makes every second use reuse.
   */
  refreshTokenLeeway: integer("refresh_token_leeway").notNull().default(0),
  /** Auth0's `app_type` (`native`, `spa`, `regular_web`, `non_interactive`…): listed, searched. */
  appType: text("app_type"),
  /** Auth0's `is_first_party` (true unless set): listed, searched. */
  isFirstParty: integer("is_first_party", { mode: "boolean" }).notNull().default(true),
  /** Auth0's client fields Rulegate stores and echoes but does not act on (see AUTH0_EXTRAS). */
  extras: text("extras", { mode: "json" }).$type<JsonObject>().notNull().default({}),
  ...timestamps,
});

export type ApiScope = { value: string; description: string };

/** Resource servers (APIs): the `audience` a token is for. */
export const resourceServers = sqliteTable("resource_servers", {
  id: text("id").primaryKey(),
  identifier: text("identifier").notNull().unique(),
  name: text("name").notNull(),
  scopes: text("scopes", { mode: "json" }).$type<ApiScope[]>().notNull(),
  tokenLifetime: integer("token_lifetime").notNull(),
  allowOfflineAccess: integer("allow_offline_access", { mode: "boolean" }).notNull(),
  /** Absolute lifetime of a refresh token family, in seconds from the first exchange. */
  refreshTokenLifetime: integer("refresh_token_lifetime").notNull().default(DEFAULT_REFRESH_TOKEN_LIFETIME),
  /** How long a refresh token may go unused, in seconds. */
  refreshTokenIdleLifetime: integer("refresh_token_idle_lifetime")
    .notNull()
    .default(DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME),
  signingAlg: text("signing_alg").$type<SigningAlg>().notNull(),
  /** Auth0's resource-server fields Rulegate stores and echoes but does not act on. */
  extras: text("extras", { mode: "json" }).$type<JsonObject>().notNull().default({}),
  ...timestamps,
});

/**
 * Auth0's client grants: which API a client may get tokens for with the client credentials
 * grant (RFC 6749 §4.4), and with which of its scopes. One per client and API. `audience` is
 * not a foreign key: the Management API (`<issuer>api/v2/`) is an API without a row.
 */
export const clientGrants = sqliteTable(
  "client_grants",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => clients.clientId, { onDelete: "cascade" }),
    audience: text("audience").notNull(),
    scope: text("scope", { mode: "json" }).$type<string[]>().notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex("client_grants_client_audience").on(table.clientId, table.audience),
    index("client_grants_audience").on(table.audience),
  ],
);

/** One row (id 1): the tenant's settings and the admin key's digest. */
export const tenantSettings = sqliteTable("tenant_settings", {
  id: integer("id").primaryKey(),
  friendlyName: text("friendly_name").notNull(),
  defaultAudience: text("default_audience"),
  adminKeyHash: text("admin_key_hash"),
  /** Brute-force protection (Auth0's documentation, "Brute-Force Protection"): on, and its thresholds. */
  bruteForceEnabled: integer("brute_force_enabled", { mode: "boolean" }).notNull().default(true),
  bruteForceMaxAttempts: integer("brute_force_max_attempts").notNull().default(10),
  ipMaxFailures: integer("ip_max_failures").notNull().default(100),
  ipBlockSeconds: integer("ip_block_seconds").notNull().default(900),
  /** Auth0's Guardian policy: `[]` (MFA only when a rule or action asks) or `["all-applications"]`. */
  mfaPolicies: text("mfa_policies", { mode: "json" }).$type<string[]>().notNull().default([]),
  /** Auth0's Guardian factors Rulegate serves, off until an operator enables them. */
  otpEnabled: integer("otp_enabled", { mode: "boolean" }).notNull().default(false),
  recoveryCodeEnabled: integer("recovery_code_enabled", { mode: "boolean" }).notNull().default(false),
  /**
   * The key MFA secrets are encrypted with when `MFA_SECRET_KEY` is not set: generated on first
   * use, development only (production refuses MFA without the environment's key).
   */
  developmentMfaKey: text("development_mfa_key"),
  /**
   * Auth0's options of the database connection (`/api/v2/connections`) in Auth0's field names,
   * except `brute_force_protection`, which is `bruteForceEnabled` above; `{}` until an operator
   * sets them (src/model/connection-options.ts has the defaults).
   */
  connectionOptions: text("connection_options", { mode: "json" }).$type<JsonObject>().notNull().default({}),
  /**
   * Auth0's email provider as stored by `/api/v2/emails/provider` (with the SMTP password);
   * unset, the provider is the environment's `SMTP_URL` and `EMAIL_FROM`.
   */
  emailProvider: text("email_provider", { mode: "json" }).$type<JsonObject>(),
  /** Auth0's tenant settings Rulegate stores and echoes but does not act on. */
  extras: text("extras", { mode: "json" }).$type<JsonObject>().notNull().default({}),
  ...timestamps,
});

/**
 * One row (id 1): a counter that triggers on every configuration table raise in the same
 * transaction as the change (drizzle/0016_config_version_triggers.sql, and PostgreSQL's
 * twin), so a token request knows with one read whether the configuration it keeps in
 * memory is still the stored one (src/db/config-cache.ts).
 */
export const configVersion = sqliteTable("config_version", {
  id: integer("id").primaryKey(),
  version: integer("version").notNull().default(0),
});

export type KeyStatus = "current" | "next" | "previous";

/** Token signing keys, one current key per algorithm plus previous ones kept for verification. */
export const signingKeys = sqliteTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").$type<SigningAlg>().notNull(),
  status: text("status").$type<KeyStatus>().notNull(),
  publicJwk: text("public_jwk", { mode: "json" }).$type<JsonWebKey>().notNull(),
  privateJwk: text("private_jwk", { mode: "json" }).$type<JsonWebKey>().notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  /** For a previous key: when the last token it signed has expired, so it leaves the JWKS. */
  retireAfter: integer("retire_after", { mode: "timestamp_ms" }),
});

/**
 * The rules, one per extension point: `password-exchange` (README, "The password-exchange rule")
 * and `credentials-exchange` (README, "The credentials-exchange rule").
 */
export const rules = sqliteTable("rules", {
  id: text("id").primaryKey(),
  script: text("script").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * The rule's secrets (`context.webtask.secrets`) as one name → value map, so that a
 * replace or a merge is a single atomic statement; values are never returned or logged.
 */
export const ruleSecrets = sqliteTable("rule_secrets", {
  ruleId: text("rule_id").primaryKey(),
  secrets: text("secrets", { mode: "json" }).$type<Record<string, string>>().notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Auth0's Rules (README, "Moving your Auth0 Rules"): `function (user, context, callback)`
 * scripts that run, the enabled ones in ascending `order`, on every password, password-realm
 * and refresh-token exchange. Their configuration values (`configuration`) are the secrets
 * of the `rules` pipeline in `rule_secrets`.
 */
export const auth0Rules = sqliteTable(
  "auth0_rules",
  {
    /** `rul_…`, as Auth0's. */
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    script: text("script").notNull(),
    order: integer("rule_order").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /** Auth0's only stage still in use: `login_success`. */
    stage: text("stage").notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex("auth0_rules_name").on(table.name),
    uniqueIndex("auth0_rules_order").on(table.order),
  ],
);

/** An action's secrets (Auth0's `secrets`): name → value and when it was set; values are never returned or logged. */
export type ActionSecrets = Record<string, { value: string; updatedAt: number }>;

/** An npm dependency an action declares (Auth0's `dependencies`). */
export type ActionDependency = { name: string; version: string; registry_url?: string };

/** A trigger an action supports (Auth0's `supported_triggers`). */
export type ActionTrigger = { id: string; version: string };

/**
 * Auth0's Actions (README, "Moving your Auth0 Actions"): the draft of each action, and which
 * of its versions is deployed. `deployedAt` is when a version was last deployed or rolled
 * back to, so a trigger's flow only moves forward.
 */
export const actions = sqliteTable(
  "actions",
  {
    /** A UUID, as Auth0's. */
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    supportedTriggers: text("supported_triggers", { mode: "json" }).$type<ActionTrigger[]>().notNull(),
    code: text("code").notNull(),
    runtime: text("runtime").notNull(),
    dependencies: text("dependencies", { mode: "json" }).$type<ActionDependency[]>().notNull(),
    secrets: text("secrets", { mode: "json" }).$type<ActionSecrets>().notNull(),
    deployedVersionId: text("deployed_version_id"),
    deployedAt: integer("deployed_at", { mode: "timestamp_ms" }),
    ...timestamps,
  },
  (table) => [uniqueIndex("actions_name").on(table.name)],
);

/** Every deployed version of an action: its code, runtime, dependencies and secrets as they were. */
export const actionVersions = sqliteTable(
  "action_versions",
  {
    id: text("id").primaryKey(),
    actionId: text("action_id")
      .notNull()
      .references(() => actions.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    supportedTriggers: text("supported_triggers", { mode: "json" }).$type<ActionTrigger[]>().notNull(),
    code: text("code").notNull(),
    runtime: text("runtime").notNull(),
    dependencies: text("dependencies", { mode: "json" }).$type<ActionDependency[]>().notNull(),
    secrets: text("secrets", { mode: "json" }).$type<ActionSecrets>().notNull(),
    ...timestamps,
  },
  (table) => [uniqueIndex("action_versions_number").on(table.actionId, table.number)],
);

/** One action bound to a trigger (Auth0's binding). */
export type ActionBinding = { id: string; actionId: string; displayName: string; createdAt: number };

/**
 * The actions bound to each trigger, in the order they run, as one list per trigger so that
 * replacing it is one statement; `updatedAt` is when the trigger's flow last changed.
 */
export const actionTriggers = sqliteTable("action_triggers", {
  triggerId: text("trigger_id").primaryKey(),
  bindings: text("bindings", { mode: "json" }).$type<ActionBinding[]>().notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Log events (README, "Writing and debugging rules"), with Auth0's fields and event type codes. `seq` orders them (and is the SSE event id);
 * `log_id` is the public id. Never a password, secret or token.
 */
export const logs = sqliteTable(
  "logs",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    logId: text("log_id").notNull().unique(),
    date: integer("date", { mode: "timestamp_ms" }).notNull(),
    type: text("type").notNull(),
    description: text("description").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    clientId: text("client_id"),
    clientName: text("client_name"),
    userId: text("user_id"),
    userName: text("user_name"),
    audience: text("audience"),
    scope: text("scope"),
    requestId: text("request_id"),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (table) => [
    index("logs_date").on(table.date),
    index("logs_type").on(table.type),
    index("logs_user_id").on(table.userId),
    index("logs_client_id").on(table.clientId),
    index("logs_request_id").on(table.requestId),
  ],
);

/**
 * A refresh token family: everything a refresh needs from the original exchange, and the
 * digest of its one live token. Rotation swaps `current_token_hash` in a single
 * compare-and-swap UPDATE, so a family can never hold two live tokens.
 */
export const refreshTokenFamilies = sqliteTable(
  "refresh_token_families",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id")
      .notNull()
      .references(() => clients.clientId, { onDelete: "cascade" }),
    audience: text("audience").notNull(),
    scope: text("scope").notNull(),
    accessTokenClaims: text("access_token_claims", { mode: "json" })
      .$type<Record<string, unknown>>()
      .notNull(),
    idTokenClaims: text("id_token_claims", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    authTime: integer("auth_time", { mode: "timestamp_ms" }).notNull(),
    currentTokenHash: text("current_token_hash").notNull().unique(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    idleExpiresAt: integer("idle_expires_at", { mode: "timestamp_ms" }).notNull(),
    absoluteExpiresAt: integer("absolute_expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    revokedReason: text("revoked_reason"),
    /** RFC 8176 authentication methods of the original login beyond the password: `["mfa"]` after a second factor. */
    amr: text("amr", { mode: "json" }).$type<string[]>().notNull().default([]),
  },
  (table) => [index("refresh_token_families_user").on(table.userId)],
);

/**
 * Refresh tokens that were rotated away (digest → family): presenting one again is reuse,
 * and revokes its family (OAuth 2.0 Security BCP §4.14.2).
 */
export const retiredRefreshTokens = sqliteTable("retired_refresh_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  familyId: text("family_id")
    .notNull()
    .references(() => refreshTokenFamilies.id, { onDelete: "cascade" }),
  retiredAt: integer("retired_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Access tokens revoked before they expire (RFC 7009 §2), by their `jti` (RFC 7519 §4.1.7).
 * A row is useless once `expires_at` has passed, when the token no longer verifies anyway.
 */
export const revokedAccessTokens = sqliteTable(
  "revoked_access_tokens",
  {
    jti: text("jti").primaryKey(),
    clientId: text("client_id").notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("revoked_access_tokens_expires_at").on(table.expiresAt)],
);

/** What a user enrolled as a second factor (Auth0's authenticator types). */
export type AuthenticatorType = "otp" | "recovery-code";

/**
 * A user's second factors (README, "Multi-factor authentication"), at most one of each type:
 * an RFC 6238 TOTP secret, encrypted (`secret`: src/security/mfa-secret-box.ts), and a
 * recovery code, as its SHA-256 digest (`code_hash`). A factor is `confirmed` by its first
 * successful use; `last_counter` is the TOTP time step last accepted, so a code is never
 * accepted twice.
 */
export const mfaAuthenticators = sqliteTable(
  "mfa_authenticators",
  {
    /** Auth0's form: `totp|dev_…`, `recovery-code|dev_…`. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type").$type<AuthenticatorType>().notNull(),
    secret: text("secret"),
    codeHash: text("code_hash"),
    confirmed: integer("confirmed", { mode: "boolean" }).notNull().default(false),
    lastCounter: integer("last_counter"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    confirmedAt: integer("confirmed_at", { mode: "timestamp_ms" }),
    lastAuthAt: integer("last_auth_at", { mode: "timestamp_ms" }),
  },
  (table) => [uniqueIndex("mfa_authenticators_user_type").on(table.userId, table.type)],
);

/**
 * Auth0's `mfa_token`s (README, "Multi-factor authentication"), by their SHA-256 digest: a
 * password exchange that passed everything but the second factor, kept for ten minutes with
 * what its tokens will be made of. `attempts` counts the factors tried with it; `spent_at`
 * marks its one successful use.
 */
export const mfaTokens = sqliteTable(
  "mfa_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id")
      .notNull()
      .references(() => clients.clientId, { onDelete: "cascade" }),
    audience: text("audience").notNull(),
    scope: text("scope").notNull(),
    accessTokenClaims: text("access_token_claims", { mode: "json" })
      .$type<Record<string, unknown>>()
      .notNull(),
    idTokenClaims: text("id_token_claims", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    authTime: integer("auth_time", { mode: "timestamp_ms" }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    spentAt: integer("spent_at", { mode: "timestamp_ms" }),
  },
  (table) => [index("mfa_tokens_expires_at").on(table.expiresAt)],
);

/**
 * Second factors tried per user in a window (Auth0's Guardian rate limit): each try is
 * counted before it is checked, in one statement, so a parallel burst gets no more tries
 * than the limit; a success clears the row.
 */
export const mfaAttempts = sqliteTable("mfa_attempts", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  attempts: integer("attempts").notNull(),
  windowStartedAt: integer("window_started_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Consecutive failed passwords per login name and IP (Auth0's brute-force protection). Keyed by the name typed,
 * not the user id, so unknown names behave exactly like known ones. `pending` counts the password checks in
 * progress, reserved before the hash, so that a parallel burst gets no more checks than the limit; they lapse
 * together `RESERVATION_TTL_MS` (src/db/login-failures.ts) after `reserved_at`, so a check that could not give
 * its reservation back (a node killed mid-hash, a database outage) does not hold it for long.
 */
export const loginFailures = sqliteTable(
  "login_failures",
  {
    login: text("login").notNull(),
    ip: text("ip").notNull(),
    failures: integer("failures").notNull(),
    pending: integer("pending").notNull().default(0),
    reservedAt: integer("reserved_at", { mode: "timestamp_ms" }),
    lastFailureAt: integer("last_failure_at", { mode: "timestamp_ms" }).notNull(),
    blockedAt: integer("blocked_at", { mode: "timestamp_ms" }),
  },
  (table) => [primaryKey({ columns: [table.login, table.ip] })],
);

/**
 * Failed passwords per IP in a 24-hour window, and the IP's block (Auth0's suspicious IP throttling);
 * `pending` as in `loginFailures`.
 */
export const ipFailures = sqliteTable("ip_failures", {
  ip: text("ip").primaryKey(),
  windowStartedAt: integer("window_started_at", { mode: "timestamp_ms" }).notNull(),
  failures: integer("failures").notNull(),
  pending: integer("pending").notNull().default(0),
  reservedAt: integer("reserved_at", { mode: "timestamp_ms" }),
  blockedUntil: integer("blocked_until", { mode: "timestamp_ms" }),
});

/**
 * `uploading` while the file streams in (never shown by the API: the job's id is returned
 * only once the upload is stored), then `pending` until a node claims it.
 */
export type JobStatus = "uploading" | "pending" | "processing" | "completed" | "failed";

/** Bulk user import jobs (Auth0's `users_import`), with their counts as they run. */
export const jobs = sqliteTable("jobs", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  status: text("status").$type<JobStatus>().notNull(),
  upsert: integer("upsert", { mode: "boolean" }).notNull(),
  externalId: text("external_id"),
  filePath: text("file_path"),
  total: integer("total").notNull().default(0),
  inserted: integer("inserted").notNull().default(0),
  updated: integer("updated").notNull().default(0),
  failed: integer("failed").notNull().default(0),
  /** Records read so far (the next line to import after a restart). */
  processed: integer("processed").notNull().default(0),
  errorMessage: text("error_message"),
  /**
   * The node working on the job (uploading it, or running it) and until when: another node
   * may claim the job only once the lease has expired, so a job whose node died is resumed.
   */
  leaseOwner: text("lease_owner"),
  leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
  ...timestamps,
});

/** The records an import could not take, by line, with why (never with their hashes). */
export const jobErrors = sqliteTable(
  "job_errors",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    line: integer("line").notNull(),
    email: text("email"),
    userId: text("user_id"),
    errors: text("errors", { mode: "json" })
      .$type<Array<{ code: string; message: string; path?: string }>>()
      .notNull(),
  },
  (table) => [primaryKey({ columns: [table.jobId, table.line] })],
);

/**
 * An import's uploaded file, in the database so that any node can run the job: chunks of
 * about 1 MiB in order (`seq`), base64 text (the same column type on both engines).
 * Deleted when the job ends.
 */
export const jobFiles = sqliteTable(
  "job_files",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    data: text("data").notNull(),
  },
  (table) => [primaryKey({ columns: [table.jobId, table.seq] })],
);

/** The hashes of a user's earlier passwords, newest first, for the connection's `password_history`. */
export const passwordHistory = sqliteTable(
  "password_history",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    passwordHash: text("password_hash").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("password_history_user").on(table.userId, table.createdAt)],
);

export type TicketKind = "password_change" | "email_verification";

/**
 * Auth0's tickets: the single-use links of a password reset and of an email verification.
 * Only the SHA-256 of the link's secret is kept (`id`). A ticket is spent by setting `used_at`
 * in the same statement that checks it is unspent and unexpired, so a link works once even
 * when two nodes open it at the same time.
 */
export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    kind: text("kind").$type<TicketKind>().notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The email the link was sent for: the ticket lapses if the user's email changes. */
    email: text("email").notNull(),
    clientId: text("client_id"),
    resultUrl: text("result_url"),
    markEmailVerified: integer("mark_email_verified", { mode: "boolean" }).notNull().default(false),
    includeEmailInRedirect: integer("include_email_in_redirect", { mode: "boolean" })
      .notNull()
      .default(false),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (table) => [index("tickets_user").on(table.userId), index("tickets_expires_at").on(table.expiresAt)],
);

export type EmailStatus = "pending" | "sent" | "failed";

/**
 * The outgoing emails, queued by the request that causes them and sent by whichever node
 * claims them first (a lease, as import jobs): an email is stored before its request is
 * answered, survives a restart, and is sent once however many nodes run. The body is cleared
 * once the email is sent or given up (it may hold a ticket's link).
 */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    /** The email template it was made from (`reset_email`, `verify_email`, `welcome_email`). */
    template: text("template").notNull(),
    userId: text("user_id"),
    recipient: text("recipient").notNull(),
    sender: text("sender").notNull(),
    subject: text("subject").notNull(),
    html: text("html"),
    status: text("status").$type<EmailStatus>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
    lastError: text("last_error"),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("email_outbox_due").on(table.status, table.nextAttemptAt)],
);

/** Auth0's email templates as an operator set them; a template never set has Rulegate's default. */
export const emailTemplates = sqliteTable("email_templates", {
  template: text("template").primaryKey(),
  body: text("body").notNull(),
  subject: text("subject").notNull(),
  sender: text("sender"),
  resultUrl: text("result_url"),
  urlLifetimeInSeconds: integer("url_lifetime_in_seconds"),
  includeEmailInRedirect: integer("include_email_in_redirect", { mode: "boolean" }).notNull().default(false),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  ...timestamps,
});

/**
 * Fixed-window request counters shared by every node (sign-up per IP, password-reset requests
 * per email and per IP): `key` names the limit and what it counts.
 */
export const rateLimits = sqliteTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    windowStartedAt: integer("window_started_at", { mode: "timestamp_ms" }).notNull(),
    count: integer("count").notNull(),
  },
  (table) => [index("rate_limits_window").on(table.windowStartedAt)],
);

export type UserRow = typeof users.$inferSelect;
export type ClientRow = typeof clients.$inferSelect;
export type ResourceServerRow = typeof resourceServers.$inferSelect;
export type TenantSettingsRow = typeof tenantSettings.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type RuleRow = typeof rules.$inferSelect;
export type Auth0RuleRow = typeof auth0Rules.$inferSelect;
export type ActionRow = typeof actions.$inferSelect;
export type ActionVersionRow = typeof actionVersions.$inferSelect;
export type ActionTriggerRow = typeof actionTriggers.$inferSelect;
export type ClientGrantRow = typeof clientGrants.$inferSelect;
export type LogRow = typeof logs.$inferSelect;
export type RefreshTokenFamilyRow = typeof refreshTokenFamilies.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type MfaAuthenticatorRow = typeof mfaAuthenticators.$inferSelect;
export type MfaTokenRow = typeof mfaTokens.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
export type EmailRow = typeof emailOutbox.$inferSelect;
export type EmailTemplateRow = typeof emailTemplates.$inferSelect;
