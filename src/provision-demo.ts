import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { insertClient } from "./db/clients.ts";
import type { Db } from "./db/database.ts";
import { insertResourceServer } from "./db/resource-servers.ts";
import { saveRule } from "./db/rule.ts";
import type { ClientRow, ResourceServerRow, RuleRow } from "./db/schema.ts";
import { insertUser, type NewUser } from "./db/users.ts";
import type { Deps } from "./deps.ts";
import { DEFAULT_CLIENT_GRANT_TYPES } from "./model/grant-types.ts";
import { DEFAULT_SIGNING_ALG } from "./model/signing-algorithms.ts";
import {
  DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME,
  DEFAULT_REFRESH_TOKEN_LIFETIME,
  DEFAULT_TOKEN_LIFETIME,
} from "./model/token-lifetimes.ts";
import { issuerUrl } from "./oauth/issuer-url.ts";
import { newDatabaseUserId, newId } from "./security/new-id.ts";
import { randomSecret } from "./security/random-secret.ts";
import { secretDigest } from "./security/secret-digest.ts";

/** The seed's sample rule, stored on a new development database. */
export const SAMPLE_RULE_PATH = fileURLToPath(new URL("../rules/password-exchange.js", import.meta.url));

/** The seed's example, as created: everything needed to paste its request. */
export interface DemoSetup {
  audience: string;
  scope: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

/** The seed's example, ready to store: its rows, and what to print about them. */
export interface PreparedDemo {
  setup: DemoSetup;
  api: ResourceServerRow;
  client: ClientRow;
  user: NewUser;
  rule: Omit<RuleRow, "id">;
}

/**
 * Prepares the seed's example for a new database (never in production): the API
 * `https://someapi.com/api` with `read:sample`, a `client_secret_post` client, the user
 * `user@example.com` with a generated password, and the sample rule. Nothing is stored yet:
 * the slow parts (hashing the password, reading the rule) happen here, so that
 * {@link provisionDemo} is only database writes.
 */
export async function prepareDemo(deps: Pick<Deps, "clock" | "hasher">): Promise<PreparedDemo> {
  const now = deps.clock.now();
  const audience = "https://someapi.com/api";
  const clientSecret = randomSecret(32);
  const password = randomSecret(12);
  const api: ResourceServerRow = {
    id: newId("api"),
    identifier: audience,
    name: "Sample API",
    scopes: [{ value: "read:sample", description: "Read the sample resource" }],
    tokenLifetime: DEFAULT_TOKEN_LIFETIME,
    allowOfflineAccess: true,
    refreshTokenLifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
    refreshTokenIdleLifetime: DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME,
    signingAlg: DEFAULT_SIGNING_ALG,
    extras: {},
    createdAt: now,
    updatedAt: now,
  };
  const client: ClientRow = {
    clientId: newId("cli"),
    clientSecretHash: secretDigest(clientSecret),
    name: "Sample client",
    tokenEndpointAuthMethod: "client_secret_post",
    grantTypes: [...DEFAULT_CLIENT_GRANT_TYPES],
    clientMetadata: {},
    isTokenEndpointIpHeaderTrusted: false,
    idTokenSignedResponseAlg: DEFAULT_SIGNING_ALG,
    refreshTokenLeeway: 0,
    appType: "regular_web",
    isFirstParty: true,
    extras: {},
    createdAt: now,
    updatedAt: now,
  };
  const user: NewUser = {
    id: newDatabaseUserId(),
    email: "user@example.com",
    emailVerified: true,
    name: "Example User",
    passwordHash: await deps.hasher.hash(password),
    userMetadata: {},
    appMetadata: {},
    blocked: false,
    createdAt: now,
    updatedAt: now,
  };
  const rule = { script: await readFile(SAMPLE_RULE_PATH, "utf8"), enabled: true, updatedAt: now };
  return {
    setup: {
      audience,
      scope: "read:sample",
      clientId: client.clientId,
      clientSecret,
      username: user.email,
      password,
    },
    api,
    client,
    user,
    rule,
  };
}

/** Stores a {@link prepareDemo} example: the API, the client, the user and the rule. */
export async function provisionDemo(db: Db, demo: PreparedDemo): Promise<void> {
  await insertResourceServer(db, demo.api);
  await insertClient(db, demo.client);
  await insertUser(db, demo.user);
  await saveRule(db, demo.rule);
}

/** The seed's request as a ready-to-paste curl command. */
export function demoCurl(issuer: string, demo: DemoSetup): string {
  const body = JSON.stringify({
    grant_type: "password",
    username: demo.username,
    password: demo.password,
    audience: demo.audience,
    scope: demo.scope,
    client_id: demo.clientId,
    client_secret: demo.clientSecret,
  });
  return `curl -s -X POST '${issuerUrl(issuer, "oauth/token")}' -H 'Content-Type: application/json' -d '${body}'`;
}
