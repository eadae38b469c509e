import { readFileSync } from "node:fs";
import { ManagementClient as ManagementClientV7 } from "auth0";
import { ManagementClient as ManagementClientV4 } from "auth0-v4";

/** The version of an installed package (`auth0`, or the alias `auth0-v4`). */
const installedVersion = (name: string): string =>
  JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), "utf8"))
    .version;

/** A JSON body as the SDK hands it back. */
// biome-ignore lint/suspicious/noExplicitAny: the SDKs' own types differ per major; the suite compares plain JSON.
export type Json = any;

/** How a test reaches Rulegate through Auth0's SDK: its `domain` (https only) and credentials. */
export type SdkConnection = { domain: string; ca: string } & (
  | { token: string }
  | { clientId: string; clientSecret: string; audience?: string }
);

/**
 * The Management API operations the suite drives, one method each, so that the same test
 * body runs on every SDK major: each method is one SDK call, and returns the body the SDK
 * handed back (v4 wraps it in `{ data }`, v7 returns it, or a `Page` whose `response` it is).
 */
export interface ManagementCalls {
  createUser(body: Json): Promise<Json>;
  getUser(id: string, query?: { fields?: string; include_fields?: boolean }): Promise<Json>;
  updateUser(id: string, body: Json): Promise<Json>;
  deleteUser(id: string): Promise<void>;
  listUsers(query: Json): Promise<Json>;
  usersByEmail(email: string): Promise<Json>;
  userLogs(id: string): Promise<Json>;
  /** The answer's body, and the tokens as the SDK presents them (v7's page items, v4's `tokens`). */
  userRefreshTokens(id: string): Promise<{ body: Json; items: Json }>;
  userBlocks(id: string): Promise<Json>;
  userBlocksByIdentifier(identifier: string): Promise<Json>;
  unblockUser(id: string): Promise<void>;
  unblockByIdentifier(identifier: string): Promise<void>;
  createClient(body: Json): Promise<Json>;
  getClient(id: string): Promise<Json>;
  listClients(query: Json): Promise<Json>;
  updateClient(id: string, body: Json): Promise<Json>;
  rotateClientSecret(id: string): Promise<Json>;
  deleteClient(id: string): Promise<void>;
  createResourceServer(body: Json): Promise<Json>;
  getResourceServer(id: string): Promise<Json>;
  listResourceServers(query: Json): Promise<Json>;
  updateResourceServer(id: string, body: Json): Promise<Json>;
  deleteResourceServer(id: string): Promise<void>;
  getTenantSettings(): Promise<Json>;
  updateTenantSettings(body: Json): Promise<Json>;
  listLogs(query: Json): Promise<Json>;
  getLog(id: string): Promise<Json>;
  listSigningKeys(): Promise<Json>;
  rotateSigningKey(): Promise<Json>;
  getSigningKey(kid: string): Promise<Json>;
  revokeSigningKey(kid: string): Promise<Json>;
  /** The file as a named `File`, or as a bare `Blob` (what v4's type names). */
  importUsers(file: Blob, connectionId: string, upsert: boolean): Promise<Json>;
  getJob(id: string): Promise<Json>;
  getJobErrors(id: string): Promise<Json>;
  listRules(query: Json): Promise<Json>;
  createRule(body: Json): Promise<Json>;
  getRule(id: string, query?: { fields?: string; include_fields?: boolean }): Promise<Json>;
  updateRule(id: string, body: Json): Promise<Json>;
  deleteRule(id: string): Promise<void>;
  setRulesConfig(key: string, value: string): Promise<Json>;
  listRulesConfigs(): Promise<Json>;
  deleteRulesConfig(key: string): Promise<void>;
  listHooks(query: Json): Promise<Json>;
  listActions(): Promise<Json>;
  listClientGrants(query: Json): Promise<Json>;
  createClientGrant(body: Json): Promise<Json>;
  updateClientGrant(id: string, body: Json): Promise<Json>;
  deleteClientGrant(id: string): Promise<void>;
  getGuardianPolicies(): Promise<Json>;
  setGuardianPolicies(policies: string[]): Promise<Json>;
  listGuardianFactors(): Promise<Json>;
  setGuardianFactor(name: string, enabled: boolean): Promise<Json>;
  getGuardianEnrollment(id: string): Promise<Json>;
  deleteGuardianEnrollment(id: string): Promise<void>;
  userEnrollments(userId: string): Promise<Json>;
  regenerateRecoveryCode(userId: string): Promise<Json>;
  listConnections(query: Json): Promise<Json>;
  updateConnection(id: string, body: Json): Promise<Json>;
  getEmailProvider(): Promise<Json>;
  /** A few of Auth0's resources Rulegate does not have, by name. */
  unsupported: Record<string, () => Promise<unknown>>;
}

/** One SDK major under test. */
export interface SdkMajor {
  name: string;
  version: string;
  connect(connection: SdkConnection): ManagementCalls;
}

/**
 * A `fetch` that trusts the test's certificate authority (Bun's `tls.ca`). Both majors take
 * one as their documented `fetch` option: the SDK still builds `https://<domain>/api/v2/…`
 * and speaks TLS to the proxy in front of Rulegate, as in production.
 */
export function trustingFetch(ca: string): typeof fetch {
  const trusting = (input: RequestInfo | URL, init?: RequestInit) =>
    fetch(input, { ...init, tls: { ca } } as RequestInit);
  return Object.assign(trusting, { preconnect: fetch.preconnect });
}

/** The status of an error either major threw (`ManagementError` / `ResponseError`). */
export function statusOf(error: unknown): number | undefined {
  const candidate = error as { statusCode?: number; status?: number };
  return candidate.statusCode ?? candidate.status;
}

const credentialsOf = (connection: SdkConnection) =>
  "token" in connection
    ? { token: connection.token }
    : {
        clientId: connection.clientId,
        clientSecret: connection.clientSecret,
        ...(connection.audience ? { audience: connection.audience } : {}),
      };

// biome-ignore lint/suspicious/noExplicitAny: v4 answers are `ApiResponse<T>`; the body is `data`.
const data = async (answer: Promise<any>) => (await answer).data;

const v7: SdkMajor = {
  name: "auth0 v7",
  version: installedVersion("auth0"),
  connect(connection) {
    const sdk = new ManagementClientV7({
      domain: connection.domain,
      ...credentialsOf(connection),
      fetch: trustingFetch(connection.ca),
      maxRetries: 0,
    } as ConstructorParameters<typeof ManagementClientV7>[0]);
    return {
      createUser: (body) => sdk.users.create(body),
      getUser: (id, query) => sdk.users.get(id, query),
      updateUser: (id, body) => sdk.users.update(id, body),
      deleteUser: (id) => sdk.users.delete(id),
      listUsers: async (query) => (await sdk.users.list(query)).response,
      usersByEmail: (email) => sdk.users.listUsersByEmail({ email }),
      userLogs: async (id) => (await sdk.users.logs.list(id)).response,
      userRefreshTokens: async (id) => {
        const page = await sdk.users.refreshToken.list(id);
        return { body: page.response, items: page.data };
      },
      userBlocks: (id) => sdk.userBlocks.list(id),
      userBlocksByIdentifier: (identifier) => sdk.userBlocks.listByIdentifier({ identifier }),
      unblockUser: (id) => sdk.userBlocks.delete(id),
      unblockByIdentifier: (identifier) => sdk.userBlocks.deleteByIdentifier({ identifier }),
      createClient: (body) => sdk.clients.create(body),
      getClient: (id) => sdk.clients.get(id),
      listClients: async (query) => (await sdk.clients.list(query)).response,
      updateClient: (id, body) => sdk.clients.update(id, body),
      rotateClientSecret: (id) => sdk.clients.rotateSecret(id),
      deleteClient: (id) => sdk.clients.delete(id),
      createResourceServer: (body) => sdk.resourceServers.create(body),
      getResourceServer: (id) => sdk.resourceServers.get(id),
      listResourceServers: async (query) => (await sdk.resourceServers.list(query)).response,
      updateResourceServer: (id, body) => sdk.resourceServers.update(id, body),
      deleteResourceServer: (id) => sdk.resourceServers.delete(id),
      getTenantSettings: () => sdk.tenants.settings.get(),
      updateTenantSettings: (body) => sdk.tenants.settings.update(body),
      listLogs: async (query) => (await sdk.logs.list(query)).response,
      getLog: (id) => sdk.logs.get(id),
      listSigningKeys: () => sdk.keys.signing.list(),
      rotateSigningKey: () => sdk.keys.signing.rotate(),
      getSigningKey: (kid) => sdk.keys.signing.get(kid),
      revokeSigningKey: (kid) => sdk.keys.signing.revoke(kid),
      importUsers: (file, connectionId, upsert) =>
        sdk.jobs.usersImports.create({
          users: file,
          connection_id: connectionId,
          upsert,
        }),
      getJob: (id) => sdk.jobs.get(id),
      getJobErrors: (id) => sdk.jobs.errors.get(id),
      listRules: async (query) => (await sdk.rules.list(query)).response,
      createRule: (body) => sdk.rules.create(body),
      getRule: (id, query) => sdk.rules.get(id, query),
      updateRule: (id, body) => sdk.rules.update(id, body),
      deleteRule: (id) => sdk.rules.delete(id),
      setRulesConfig: (key, value) => sdk.rulesConfigs.set(key, { value }),
      listRulesConfigs: () => sdk.rulesConfigs.list(),
      deleteRulesConfig: (key) => sdk.rulesConfigs.delete(key),
      listHooks: async (query) => (await sdk.hooks.list(query)).response,
      listActions: async () => (await sdk.actions.list()).response,
      listClientGrants: async (query) => (await sdk.clientGrants.list(query)).response,
      createClientGrant: (body) => sdk.clientGrants.create(body),
      updateClientGrant: (id, body) => sdk.clientGrants.update(id, body),
      deleteClientGrant: (id) => sdk.clientGrants.delete(id),
      getGuardianPolicies: () => sdk.guardian.policies.list(),
      setGuardianPolicies: (policies) =>
        sdk.guardian.policies.set(policies as Parameters<typeof sdk.guardian.policies.set>[0]),
      listGuardianFactors: () => sdk.guardian.factors.list(),
      setGuardianFactor: (name, enabled) =>
        sdk.guardian.factors.set(name as Parameters<typeof sdk.guardian.factors.set>[0], { enabled }),
      getGuardianEnrollment: (id) => sdk.guardian.enrollments.get(id),
      deleteGuardianEnrollment: (id) => sdk.guardian.enrollments.delete(id),
      userEnrollments: (userId) => sdk.users.enrollments.get(userId),
      regenerateRecoveryCode: (userId) => sdk.users.regenerateRecoveryCode(userId),
      listConnections: async (query) => (await sdk.connections.list(query)).data,
      updateConnection: (id, body) => sdk.connections.update(id, body),
      getEmailProvider: () => sdk.emails.provider.get(),
      unsupported: {
        roles: () => sdk.roles.list(),
        organizations: () => sdk.organizations.list(),
        "custom domains": () => sdk.customDomains.list(),
        "log streams": () => sdk.logStreams.list(),
      },
    };
  },
};

const v4: SdkMajor = {
  name: "auth0 v4",
  version: installedVersion("auth0-v4"),
  connect(connection) {
    const sdk = new ManagementClientV4({
      domain: connection.domain,
      ...credentialsOf(connection),
      fetch: trustingFetch(connection.ca),
      retry: { enabled: false },
    } as ConstructorParameters<typeof ManagementClientV4>[0]);
    return {
      createUser: (body) => data(sdk.users.create(body)),
      getUser: (id, query) => data(sdk.users.get({ id, ...query })),
      updateUser: (id, body) => data(sdk.users.update({ id }, body)),
      deleteUser: async (id) => void (await sdk.users.delete({ id })),
      listUsers: (query) => data(sdk.users.getAll(query)),
      usersByEmail: (email) => data(sdk.usersByEmail.getByEmail({ email })),
      userLogs: (id) => data(sdk.users.getLogs({ id })),
      userRefreshTokens: async (id) => {
        const body = await data(sdk.users.getRefreshTokens({ user_id: id }));
        return { body, items: body?.tokens };
      },
      userBlocks: (id) => data(sdk.userBlocks.get({ id })),
      userBlocksByIdentifier: (identifier) => data(sdk.userBlocks.getAll({ identifier })),
      unblockUser: async (id) => void (await sdk.userBlocks.delete({ id })),
      unblockByIdentifier: async (identifier) => void (await sdk.userBlocks.deleteAll({ identifier })),
      createClient: (body) => data(sdk.clients.create(body)),
      getClient: (id) => data(sdk.clients.get({ client_id: id })),
      listClients: (query) => data(sdk.clients.getAll(query)),
      updateClient: (id, body) => data(sdk.clients.update({ client_id: id }, body)),
      rotateClientSecret: (id) => data(sdk.clients.rotateClientSecret({ client_id: id })),
      deleteClient: async (id) => void (await sdk.clients.delete({ client_id: id })),
      createResourceServer: (body) => data(sdk.resourceServers.create(body)),
      getResourceServer: (id) => data(sdk.resourceServers.get({ id })),
      listResourceServers: (query) => data(sdk.resourceServers.getAll(query)),
      updateResourceServer: (id, body) => data(sdk.resourceServers.update({ id }, body)),
      deleteResourceServer: async (id) => void (await sdk.resourceServers.delete({ id })),
      getTenantSettings: () => data(sdk.tenants.getSettings()),
      updateTenantSettings: (body) => data(sdk.tenants.updateSettings(body)),
      listLogs: (query) => data(sdk.logs.getAll(query)),
      getLog: (id) => data(sdk.logs.get({ id })),
      listSigningKeys: () => data(sdk.keys.getAll()),
      rotateSigningKey: () => data(sdk.keys.rotate()),
      getSigningKey: (kid) => data(sdk.keys.get({ kid })),
      revokeSigningKey: (kid) => data(sdk.keys.revoke({ kid })),
      importUsers: (file, connectionId, upsert) =>
        data(
          sdk.jobs.importUsers({
            users: file,
            connection_id: connectionId,
            upsert,
          }),
        ),
      getJob: (id) => data(sdk.jobs.get({ id })),
      getJobErrors: (id) => data(sdk.jobs.getErrors({ id })),
      listRules: (query) => data(sdk.rules.getAll(query)),
      createRule: (body) => data(sdk.rules.create(body)),
      getRule: (id, query) => data(sdk.rules.get({ id, ...query })),
      updateRule: (id, body) => data(sdk.rules.update({ id }, body)),
      deleteRule: async (id) => void (await sdk.rules.delete({ id })),
      setRulesConfig: (key, value) => data(sdk.rulesConfigs.set({ key }, { value })),
      listRulesConfigs: () => data(sdk.rulesConfigs.getAll()),
      deleteRulesConfig: async (key) => void (await sdk.rulesConfigs.delete({ key })),
      listHooks: (query) => data(sdk.hooks.getAll(query)),
      listActions: () => data(sdk.actions.getAll()),
      listClientGrants: (query) => data(sdk.clientGrants.getAll(query)),
      createClientGrant: (body) => data(sdk.clientGrants.create(body)),
      updateClientGrant: (id, body) => data(sdk.clientGrants.update({ id }, body)),
      deleteClientGrant: async (id) => void (await sdk.clientGrants.delete({ id })),
      getGuardianPolicies: () => data(sdk.guardian.getPolicies()),
      setGuardianPolicies: (policies) => data(sdk.guardian.updatePolicies(policies)),
      listGuardianFactors: () => data(sdk.guardian.getFactors()),
      setGuardianFactor: (name, enabled) =>
        data(
          sdk.guardian.updateFactor(
            { name: name as Parameters<typeof sdk.guardian.updateFactor>[0]["name"] },
            { enabled },
          ),
        ),
      getGuardianEnrollment: (id) => data(sdk.guardian.getGuardianEnrollment({ id })),
      deleteGuardianEnrollment: async (id) => void (await sdk.guardian.deleteGuardianEnrollment({ id })),
      userEnrollments: (userId) => data(sdk.users.getEnrollments({ id: userId })),
      regenerateRecoveryCode: (userId) => data(sdk.users.regenerateRecoveryCode({ id: userId })),
      listConnections: (query) => data(sdk.connections.getAll(query)),
      updateConnection: (id, body) => data(sdk.connections.update({ id }, body)),
      getEmailProvider: () => data(sdk.emails.get()),
      unsupported: {
        roles: () => sdk.roles.getAll(),
        organizations: () => sdk.organizations.getAll(),
        "custom domains": () => sdk.customDomains.getAll(),
        "log streams": () => sdk.logStreams.getAll(),
      },
    };
  },
};

/** Both majors, installed side by side (`auth0` and the npm alias `auth0-v4`). */
export const SDK_MAJORS: SdkMajor[] = [v7, v4];
