/**
 * Auth0's official Node SDK (`auth0`, the current major and v4) driving Rulegate's Actions
 * (Management API v2, `/api/v2/actions`) with nothing changed but the domain, as
 * management-sdk.test.ts does for the other resources: a real server process behind a
 * TLS-terminating HAProxy, the admin key as the SDK's token. Each call must succeed and hand
 * back exactly what Rulegate stored (compared with a direct call); at the end a client
 * credentials exchange runs the action the SDK bound.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManagementClient as ManagementClientV7 } from "auth0";
import { ManagementClient as ManagementClientV4 } from "auth0-v4";
import { decodeJwt } from "jose";
import { type Json, SDK_MAJORS, statusOf, trustingFetch } from "./sdk-majors.ts";
import { startTenant, type Tenant } from "./tenant.ts";

/** The Actions operations the suite drives, one SDK call each, answering the body the SDK handed back. */
interface ActionCalls {
  create(body: Json): Promise<Json>;
  get(id: string): Promise<Json>;
  list(query: Json): Promise<Json>;
  update(id: string, body: Json): Promise<Json>;
  deploy(id: string): Promise<Json>;
  listVersions(id: string, query: Json): Promise<Json>;
  getVersion(id: string, versionId: string): Promise<Json>;
  rollBack(id: string, versionId: string): Promise<Json>;
  listTriggers(): Promise<Json>;
  listBindings(triggerId: string, query: Json): Promise<Json>;
  updateBindings(triggerId: string, body: Json): Promise<Json>;
  delete(id: string, force?: boolean): Promise<void>;
}

type Connection = { domain: string; ca: string; token: string };

// biome-ignore lint/suspicious/noExplicitAny: v4 answers are `ApiResponse<T>`; the body is `data`.
const data = async (answer: Promise<any>) => (await answer).data;

/** The same calls on each major: v7's `actions.*` (pages' `response`), v4's `ActionsManager`. */
const CALLS: Record<string, (connection: Connection) => ActionCalls> = {
  "auth0 v7": (connection) => {
    const sdk = new ManagementClientV7({
      domain: connection.domain,
      token: connection.token,
      fetch: trustingFetch(connection.ca),
      maxRetries: 0,
    } as ConstructorParameters<typeof ManagementClientV7>[0]);
    return {
      create: (body) => sdk.actions.create(body),
      get: (id) => sdk.actions.get(id),
      list: async (query) => (await sdk.actions.list(query)).response,
      update: (id, body) => sdk.actions.update(id, body),
      deploy: (id) => sdk.actions.deploy(id),
      listVersions: async (id, query) => (await sdk.actions.versions.list(id, query)).response,
      getVersion: (id, versionId) => sdk.actions.versions.get(id, versionId),
      rollBack: (id, versionId) => sdk.actions.versions.deploy(id, versionId),
      listTriggers: () => sdk.actions.triggers.list(),
      listBindings: async (triggerId, query) =>
        (await sdk.actions.triggers.bindings.list(triggerId as never, query)).response,
      updateBindings: (triggerId, body) => sdk.actions.triggers.bindings.updateMany(triggerId as never, body),
      delete: async (id, force) => void (await sdk.actions.delete(id, force === undefined ? {} : { force })),
    };
  },
  "auth0 v4": (connection) => {
    const sdk = new ManagementClientV4({
      domain: connection.domain,
      token: connection.token,
      fetch: trustingFetch(connection.ca),
      retry: { enabled: false },
    } as unknown as ConstructorParameters<typeof ManagementClientV4>[0]);
    return {
      create: (body) => data(sdk.actions.create(body)),
      get: (id) => data(sdk.actions.get({ id })),
      list: (query) => data(sdk.actions.getAll(query)),
      update: (id, body) => data(sdk.actions.update({ id }, body)),
      deploy: (id) => data(sdk.actions.deploy({ id })),
      listVersions: (id, query) => data(sdk.actions.getVersions({ actionId: id, ...query })),
      getVersion: (id, versionId) => data(sdk.actions.getVersion({ actionId: id, id: versionId })),
      rollBack: (id, versionId) => data(sdk.actions.deployVersion({ actionId: id, id: versionId }, {})),
      listTriggers: () => data(sdk.actions.getAllTriggers()),
      listBindings: (triggerId, query) => data(sdk.actions.getTriggerBindings({ triggerId, ...query })),
      updateBindings: (triggerId, body) => data(sdk.actions.updateTriggerBindings({ triggerId }, body)),
      delete: async (id, force) =>
        void (await sdk.actions.delete(force === undefined ? { id } : { id, force })),
    };
  },
};

/** The status an SDK call failed with (the test fails if it succeeded). */
async function failure(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
  } catch (error) {
    return statusOf(error);
  }
  throw new Error("the call succeeded");
}

const CLAIM = "https://example.com/tier";
const code = (tier: string) =>
  `exports.onExecuteCredentialsExchange = async (event, api) => {\n  api.accessToken.setCustomClaim(${JSON.stringify(CLAIM)}, ${tier});\n};`;

describe.each(SDK_MAJORS)("$name", (major) => {
  let tenant: Tenant;
  let sdk: ActionCalls;
  beforeAll(async () => {
    tenant = await startTenant();
    sdk = CALLS[major.name]!({ domain: tenant.domain, ca: tenant.ca, token: tenant.adminKey });
  }, 30_000);
  afterAll(async () => {
    await tenant?.stop();
  });

  let actionId = "";
  let firstVersionId = "";
  const stored = async (path: string) => (await tenant.raw("GET", path)).body;

  test("create: the action as Rulegate stored it; the secret's value is never handed back", async () => {
    const created = await sdk.create({
      name: "m2m-tier",
      supported_triggers: [{ id: "credentials-exchange", version: "v2" }],
      code: code("event.secrets.TIER"),
      dependencies: [{ name: "lodash", version: "4.17.21" }],
      secrets: [{ name: "TIER", value: "gold-tier-secret" }],
    });
    actionId = created.id;
    expect(created).toMatchObject({
      name: "m2m-tier",
      supported_triggers: [{ id: "credentials-exchange", version: "v2" }],
      runtime: "node22",
      all_changes_deployed: false,
      secrets: [{ name: "TIER" }],
    });
    expect(JSON.stringify(created)).not.toContain("gold-tier-secret");
    expect(created).toEqual(await stored(`/actions/actions/${actionId}`));
  });

  test("get and list (Auth0's paged shape, with filters)", async () => {
    expect(await sdk.get(actionId)).toEqual(await stored(`/actions/actions/${actionId}`));
    const listed = await sdk.list({ triggerId: "credentials-exchange", per_page: 10 });
    expect(listed).toEqual(await stored("/actions/actions?triggerId=credentials-exchange&per_page=10"));
    expect(listed).toMatchObject({ total: 1, page: 0, per_page: 10 });
    expect((await sdk.list({ deployed: true })).actions).toEqual([]);
  });

  test("deploy: version 1; update the draft; deploy: version 2", async () => {
    const first = await sdk.deploy(actionId);
    firstVersionId = first.id;
    expect(first).toMatchObject({ action_id: actionId, number: 1, deployed: true, status: "built" });
    const updated = await sdk.update(actionId, { code: code('"platinum"') });
    expect(updated).toMatchObject({ code: code('"platinum"'), all_changes_deployed: false });
    expect(updated).toEqual(await stored(`/actions/actions/${actionId}`));
    const second = await sdk.deploy(actionId);
    expect(second).toMatchObject({ number: 2, deployed: true, code: code('"platinum"') });
  });

  test("versions: list and get; roll back to version 1 is version 3", async () => {
    const versions = await sdk.listVersions(actionId, { page: 0, per_page: 50 });
    expect(versions).toEqual(await stored(`/actions/actions/${actionId}/versions?page=0&per_page=50`));
    expect(versions.versions.map((version: { number: number }) => version.number)).toEqual([2, 1]);
    expect(await sdk.getVersion(actionId, firstVersionId)).toEqual(
      await stored(`/actions/actions/${actionId}/versions/${firstVersionId}`),
    );
    const rolledBack = await sdk.rollBack(actionId, firstVersionId);
    expect(rolledBack).toMatchObject({ number: 3, deployed: true, code: code("event.secrets.TIER") });
  });

  test("triggers, and binding the action to credentials-exchange", async () => {
    const triggers = await sdk.listTriggers();
    expect(triggers).toEqual(await stored("/actions/triggers"));
    expect(triggers.triggers.map((trigger: { id: string }) => trigger.id)).toEqual([
      "post-login",
      "credentials-exchange",
    ]);
    const bound = await sdk.updateBindings("credentials-exchange", {
      bindings: [{ ref: { type: "action_name", value: "m2m-tier" }, display_name: "Tier" }],
    });
    expect(bound.bindings).toHaveLength(1);
    expect(bound.bindings[0]).toMatchObject({ trigger_id: "credentials-exchange", display_name: "Tier" });
    const listed = await sdk.listBindings("credentials-exchange", { page: 0, per_page: 50 });
    expect(listed).toEqual(
      await stored("/actions/triggers/credentials-exchange/bindings?page=0&per_page=50"),
    );
    expect(listed).toMatchObject({ bindings: bound.bindings, total: 1 });
  });

  test("a client credentials exchange runs the bound action's deployed version", async () => {
    const api = await tenant.raw("POST", "/resource-servers", { identifier: "https://orders.example.com" });
    expect(api.status).toBe(201);
    const client = (
      await tenant.raw("POST", "/clients", { name: "worker", grant_types: ["client_credentials"] })
    ).body;
    expect(
      (
        await tenant.raw("POST", "/client-grants", {
          client_id: client.client_id,
          audience: api.body.identifier,
          scope: [],
        })
      ).status,
    ).toBe(201);
    const answer = await tenant.tlsFetch(`${tenant.origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credentials",
        client_id: client.client_id,
        client_secret: client.client_secret,
        audience: api.body.identifier,
      }),
    });
    expect(answer.status).toBe(200);
    expect(decodeJwt((await answer.json()).access_token)[CLAIM]).toBe("gold-tier-secret");
  });

  test("delete: refused while bound (409), then with force", async () => {
    expect(await failure(sdk.delete(actionId))).toBe(409);
    await sdk.delete(actionId, true);
    expect(await failure(sdk.get(actionId))).toBe(404);
    expect((await sdk.listBindings("credentials-exchange", {})).bindings).toEqual([]);
  });
});
