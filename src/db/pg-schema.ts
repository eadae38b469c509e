/**
 * The PostgreSQL mirror of `schema.ts`. Drizzle binds a table to one dialect, so each
 * storage engine needs its own table objects; `schema.ts` stays the source of truth (what
 * each table and column means, and the row types the rest of the code imports), and this
 * file repeats it column for column with PostgreSQL's types. `tests/db/schema-parity.test.ts`
 * fails when the two drift: names, order, nullability, keys, defaults, indexes and types.
 *
 * Type mapping: `timestamp_ms` integers are `timestamptz(3)` (milliseconds, as in SQLite),
 * boolean integers are `boolean`, JSON text is `jsonb`, and `logs.seq` is an identity column.
 */

import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { ClientGrantType } from "../model/client-grant-types.ts";
import type { SigningAlg } from "../model/signing-algorithms.ts";
import type { TokenEndpointAuthMethod } from "../model/token-endpoint-auth-methods.ts";
import {
  DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME,
  DEFAULT_REFRESH_TOKEN_LIFETIME,
} from "../model/token-lifetimes.ts";
import type { ApiScope, JobStatus, KeyStatus } from "./schema.ts";

type JsonObject = Record<string, unknown>;

/** `integer(name, { mode: "timestamp_ms" })` in `schema.ts`: a millisecond instant. */
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 3 });

const timestamps = {
  createdAt: instant("created_at").notNull(),
  updatedAt: instant("updated_at").notNull(),
};

/** See `users` in `schema.ts`. */
export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull().unique(),
    emailVerified: boolean("email_verified").notNull().default(false),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    userMetadata: jsonb("user_metadata").$type<JsonObject>().notNull(),
    appMetadata: jsonb("app_metadata").$type<JsonObject>().notNull(),
    blocked: boolean("blocked").notNull().default(false),
    givenName: text("given_name"),
    familyName: text("family_name"),
    nickname: text("nickname"),
    picture: text("picture"),
    username: text("username").unique(),
    phoneNumber: text("phone_number"),
    phoneVerified: boolean("phone_verified").notNull().default(false),
    loginsCount: integer("logins_count").notNull().default(0),
    lastLogin: instant("last_login"),
    lastIp: text("last_ip"),
    importJobId: text("import_job_id"),
    importLine: integer("import_line"),
    ...timestamps,
  },
  (table) => [
    index("users_created_at").on(table.createdAt, table.id),
    // text_pattern_ops: so that a prefix search (LIKE 'jan%') can use the index whatever the
    // database's collation (SQLite's BINARY ranges need no such thing).
    index("users_name_lower").on(sql`lower(${table.name}) text_pattern_ops`),
  ],
);

/** See `clients` in `schema.ts`. */
export const clients = pgTable("clients", {
  clientId: text("client_id").primaryKey(),
  clientSecretHash: text("client_secret_hash"),
  name: text("name").notNull(),
  tokenEndpointAuthMethod: text("token_endpoint_auth_method").$type<TokenEndpointAuthMethod>().notNull(),
  grantTypes: jsonb("grant_types").$type<ClientGrantType[]>().notNull(),
  clientMetadata: jsonb("client_metadata").$type<Record<string, string>>().notNull(),
  isTokenEndpointIpHeaderTrusted: boolean("is_token_endpoint_ip_header_trusted").notNull().default(false),
  idTokenSignedResponseAlg: text("id_token_signed_response_alg")
    .$type<SigningAlg>()
    .notNull()
    .default("RS256"),
  refreshTokenLeeway: integer("refresh_token_leeway").notNull().default(0),
  appType: text("app_type"),
  isFirstParty: boolean("is_first_party").notNull().default(true),
  extras: jsonb("extras").$type<JsonObject>().notNull().default({}),
  ...timestamps,
});

/** See `resourceServers` in `schema.ts`. */
export const resourceServers = pgTable("resource_servers", {
  id: text("id").primaryKey(),
  identifier: text("identifier").notNull().unique(),
  name: text("name").notNull(),
  scopes: jsonb("scopes").$type<ApiScope[]>().notNull(),
  tokenLifetime: integer("token_lifetime").notNull(),
  allowOfflineAccess: boolean("allow_offline_access").notNull(),
  refreshTokenLifetime: integer("refresh_token_lifetime").notNull().default(DEFAULT_REFRESH_TOKEN_LIFETIME),
  refreshTokenIdleLifetime: integer("refresh_token_idle_lifetime")
    .notNull()
    .default(DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME),
  signingAlg: text("signing_alg").$type<SigningAlg>().notNull(),
  extras: jsonb("extras").$type<JsonObject>().notNull().default({}),
  ...timestamps,
});

/** See `clientGrants` in `schema.ts`. */
export const clientGrants = pgTable(
  "client_grants",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => clients.clientId, { onDelete: "cascade" }),
    audience: text("audience").notNull(),
    scope: jsonb("scope").$type<string[]>().notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex("client_grants_client_audience").on(table.clientId, table.audience),
    index("client_grants_audience").on(table.audience),
  ],
);

/** See `tenantSettings` in `schema.ts`. */
export const tenantSettings = pgTable("tenant_settings", {
  id: integer("id").primaryKey(),
  friendlyName: text("friendly_name").notNull(),
  defaultAudience: text("default_audience"),
  adminKeyHash: text("admin_key_hash"),
  bruteForceEnabled: boolean("brute_force_enabled").notNull().default(true),
  bruteForceMaxAttempts: integer("brute_force_max_attempts").notNull().default(10),
  ipMaxFailures: integer("ip_max_failures").notNull().default(100),
  ipBlockSeconds: integer("ip_block_seconds").notNull().default(900),
  extras: jsonb("extras").$type<JsonObject>().notNull().default({}),
  ...timestamps,
});

/** See `signingKeys` in `schema.ts`. */
export const signingKeys = pgTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").$type<SigningAlg>().notNull(),
  status: text("status").$type<KeyStatus>().notNull(),
  publicJwk: jsonb("public_jwk").$type<JsonWebKey>().notNull(),
  privateJwk: jsonb("private_jwk").$type<JsonWebKey>().notNull(),
  createdAt: instant("created_at").notNull(),
  retireAfter: instant("retire_after"),
});

/** See `rules` in `schema.ts`. */
export const rules = pgTable("rules", {
  id: text("id").primaryKey(),
  script: text("script").notNull(),
  enabled: boolean("enabled").notNull(),
  updatedAt: instant("updated_at").notNull(),
});

/** See `ruleSecrets` in `schema.ts`. */
export const ruleSecrets = pgTable("rule_secrets", {
  ruleId: text("rule_id").primaryKey(),
  secrets: jsonb("secrets").$type<Record<string, string>>().notNull(),
  updatedAt: instant("updated_at").notNull(),
});

/**
 * See `logs` in `schema.ts`. `seq` is an identity column, PostgreSQL's counterpart of
 * SQLite's AUTOINCREMENT; `bigint` because it only grows.
 */
export const logs = pgTable(
  "logs",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    logId: text("log_id").notNull().unique(),
    date: instant("date").notNull(),
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
    details: jsonb("details").$type<Record<string, unknown>>(),
  },
  (table) => [
    index("logs_date").on(table.date),
    index("logs_type").on(table.type),
    index("logs_user_id").on(table.userId),
    index("logs_client_id").on(table.clientId),
    index("logs_request_id").on(table.requestId),
  ],
);

/** See `refreshTokenFamilies` in `schema.ts`. */
export const refreshTokenFamilies = pgTable(
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
    accessTokenClaims: jsonb("access_token_claims").$type<Record<string, unknown>>().notNull(),
    idTokenClaims: jsonb("id_token_claims").$type<Record<string, unknown>>().notNull(),
    authTime: instant("auth_time").notNull(),
    currentTokenHash: text("current_token_hash").notNull().unique(),
    createdAt: instant("created_at").notNull(),
    lastUsedAt: instant("last_used_at"),
    idleExpiresAt: instant("idle_expires_at").notNull(),
    absoluteExpiresAt: instant("absolute_expires_at").notNull(),
    revokedAt: instant("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (table) => [index("refresh_token_families_user").on(table.userId)],
);

/** See `retiredRefreshTokens` in `schema.ts`. */
export const retiredRefreshTokens = pgTable("retired_refresh_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  familyId: text("family_id")
    .notNull()
    .references(() => refreshTokenFamilies.id, { onDelete: "cascade" }),
  retiredAt: instant("retired_at").notNull(),
});

/** See `revokedAccessTokens` in `schema.ts`. */
export const revokedAccessTokens = pgTable(
  "revoked_access_tokens",
  {
    jti: text("jti").primaryKey(),
    clientId: text("client_id").notNull(),
    revokedAt: instant("revoked_at").notNull(),
    expiresAt: instant("expires_at").notNull(),
  },
  (table) => [index("revoked_access_tokens_expires_at").on(table.expiresAt)],
);

/** See `loginFailures` in `schema.ts`. */
export const loginFailures = pgTable(
  "login_failures",
  {
    login: text("login").notNull(),
    ip: text("ip").notNull(),
    failures: integer("failures").notNull(),
    pending: integer("pending").notNull().default(0),
    reservedAt: instant("reserved_at"),
    lastFailureAt: instant("last_failure_at").notNull(),
    blockedAt: instant("blocked_at"),
  },
  (table) => [primaryKey({ columns: [table.login, table.ip] })],
);

/** See `ipFailures` in `schema.ts`. */
export const ipFailures = pgTable("ip_failures", {
  ip: text("ip").primaryKey(),
  windowStartedAt: instant("window_started_at").notNull(),
  failures: integer("failures").notNull(),
  pending: integer("pending").notNull().default(0),
  reservedAt: instant("reserved_at"),
  blockedUntil: instant("blocked_until"),
});

/** See `jobs` in `schema.ts`. */
export const jobs = pgTable("jobs", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  status: text("status").$type<JobStatus>().notNull(),
  upsert: boolean("upsert").notNull(),
  externalId: text("external_id"),
  filePath: text("file_path"),
  total: integer("total").notNull().default(0),
  inserted: integer("inserted").notNull().default(0),
  updated: integer("updated").notNull().default(0),
  failed: integer("failed").notNull().default(0),
  processed: integer("processed").notNull().default(0),
  errorMessage: text("error_message"),
  leaseOwner: text("lease_owner"),
  leaseExpiresAt: instant("lease_expires_at"),
  ...timestamps,
});

/** See `jobErrors` in `schema.ts`. */
export const jobErrors = pgTable(
  "job_errors",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    line: integer("line").notNull(),
    email: text("email"),
    userId: text("user_id"),
    errors: jsonb("errors").$type<Array<{ code: string; message: string; path?: string }>>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.jobId, table.line] })],
);

/** See `jobFiles` in `schema.ts`. */
export const jobFiles = pgTable(
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
