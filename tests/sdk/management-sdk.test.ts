/**
 * Auth0's official Node SDK (`auth0`, the current major and v4) driving Rulegate's
 * Management API with nothing changed but the domain: a real server process behind a
 * TLS-terminating HAProxy (the SDK only speaks `https://<domain>/api/v2`), the SDK given
 * the admin key as its token and a `fetch` that trusts the test's certificate authority.
 * Each call must succeed and hand back exactly what Rulegate stored (compared with a direct
 * call); where the SDK and Rulegate disagree, the test says so and expects the difference
 * (the README's "Migrating from Auth0" table lists them).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ManagementCalls, SDK_MAJORS, statusOf } from "./sdk-majors.ts";
import { startTenant, type Tenant } from "./tenant.ts";

const CONNECTION = "Username-Password-Authentication";
const CONNECTION_ID = "con_rulegatedatabase";

/** The status an SDK call failed with (the test fails if it succeeded). */
async function failure(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
  } catch (error) {
    return statusOf(error);
  }
  throw new Error("the call succeeded");
}

/** Polls a job until it has finished. */
async function finished(sdk: ManagementCalls, id: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const job = await sdk.getJob(id);
    if (job.status === "completed" || job.status === "failed") return job;
    await Bun.sleep(50);
  }
  throw new Error(`job ${id} did not finish`);
}

describe.each(SDK_MAJORS)("$name", (major) => {
  let tenant: Tenant;
  let sdk: ManagementCalls;
  beforeAll(async () => {
    tenant = await startTenant();
    sdk = major.connect({ domain: tenant.domain, ca: tenant.ca, token: tenant.adminKey });
  }, 30_000);
  afterAll(async () => {
    await tenant?.stop();
  });

  // What the tests create, shared down the file (tests run in order).
  let userId = "";
  let clientId = "";
  let clientSecret = "";
  let apiId = "";
  const email = `jane.${major.version.replace(/\W/g, "")}@example.com`;
  const password = "correct horse battery staple";
  const apiIdentifier = "https://orders.example.com";

  test(`the installed SDK is a real ${major.name}`, () => {
    expect(major.version).toMatch(major.name.endsWith("v7") ? /^7\./ : /^4\./);
  });

  describe("users", () => {
    test("create", async () => {
      const created = await sdk.createUser({
        connection: CONNECTION,
        email,
        password,
        email_verified: true,
        name: "Jane Doe",
        given_name: "Jane",
        family_name: "Doe",
        username: "jane_doe",
        user_metadata: { locale: "fr" },
        app_metadata: { plan: "gold" },
      });
      userId = created.user_id;
      expect(userId).toMatch(/^auth0\|[0-9a-f]{24}$/);
      expect(created).toMatchObject({
        email,
        email_verified: true,
        name: "Jane Doe",
        given_name: "Jane",
        family_name: "Doe",
        username: "jane_doe",
        user_metadata: { locale: "fr" },
        app_metadata: { plan: "gold" },
        identities: [
          { connection: CONNECTION, provider: "auth0", user_id: userId.slice(6), isSocial: false },
        ],
      });
      expect(created).not.toHaveProperty("password");
      expect(created).toEqual((await tenant.raw("GET", `/users/${encodeURIComponent(userId)}`)).body);
    });

    test("get, and get with fields/include_fields", async () => {
      const stored = (await tenant.raw("GET", `/users/${encodeURIComponent(userId)}`)).body;
      expect(await sdk.getUser(userId)).toEqual(stored);
      expect(await sdk.getUser(userId, { fields: "user_id,email", include_fields: true })).toEqual({
        user_id: userId,
        email,
      });
    });

    test("update", async () => {
      const updated = await sdk.updateUser(userId, {
        name: "Jane Q. Doe",
        nickname: "jq",
        app_metadata: { plan: "platinum", region: "eu" },
      });
      expect(updated).toMatchObject({
        name: "Jane Q. Doe",
        nickname: "jq",
        app_metadata: { plan: "platinum", region: "eu" },
        user_metadata: { locale: "fr" },
      });
      expect(updated).toEqual((await tenant.raw("GET", `/users/${encodeURIComponent(userId)}`)).body);
    });

    test("list and search: q, sort, fields, page/per_page, include_totals", async () => {
      await sdk.createUser({ connection: CONNECTION, email: "sam@example.com", password, name: "Sam" });
      const page = await sdk.listUsers({
        q: "app_metadata.plan:platinum",
        sort: "created_at:1",
        fields: "user_id,email",
        include_fields: true,
        page: 0,
        per_page: 10,
        include_totals: true,
      });
      expect(page).toEqual({ users: [{ user_id: userId, email }], start: 0, limit: 10, length: 1, total: 1 });
      const all = await sdk.listUsers({ sort: "email:1", per_page: 50, include_totals: true });
      expect(all.users.map((user: { email: string }) => user.email)).toEqual([email, "sam@example.com"]);
      expect(all.total).toBe(2);
    });

    test("users-by-email", async () => {
      const found = await sdk.usersByEmail(email);
      expect(found).toEqual([(await tenant.raw("GET", `/users/${encodeURIComponent(userId)}`)).body]);
    });
  });

  describe("clients", () => {
    test("create (the secret is shown once)", async () => {
      const created = await sdk.createClient({
        name: "Acme Mobile",
        app_type: "non_interactive",
        grant_types: ["password", "refresh_token"],
        token_endpoint_auth_method: "client_secret_post",
        callbacks: ["https://acme.example/callback"],
        client_metadata: { team: "mobile" },
      });
      clientId = created.client_id;
      clientSecret = created.client_secret;
      expect(clientSecret).toEqual(expect.any(String));
      expect(created).toMatchObject({
        name: "Acme Mobile",
        app_type: "non_interactive",
        callbacks: ["https://acme.example/callback"],
        client_metadata: { team: "mobile" },
        token_endpoint_auth_method: "client_secret_post",
      });
      expect(created.grant_types).toEqual(expect.arrayContaining(["password", "refresh_token"]));
      const { client_secret: _shownOnce, ...stored } = created;
      expect(stored).toEqual((await tenant.raw("GET", `/clients/${clientId}`)).body);
    });

    test("get, list with Auth0's parameters", async () => {
      const stored = (await tenant.raw("GET", `/clients/${clientId}`)).body;
      expect(await sdk.getClient(clientId)).toEqual(stored);
      const page = await sdk.listClients({
        app_type: "non_interactive",
        page: 0,
        per_page: 5,
        include_totals: true,
      });
      expect(page).toEqual({ clients: [stored], start: 0, limit: 5, length: 1, total: 1 });
    });

    test("update", async () => {
      const updated = await sdk.updateClient(clientId, {
        name: "Acme Mobile 2",
        callbacks: ["https://acme.example/cb2"],
      });
      expect(updated).toMatchObject({ name: "Acme Mobile 2", callbacks: ["https://acme.example/cb2"] });
      expect(updated).toEqual((await tenant.raw("GET", `/clients/${clientId}`)).body);
    });

    test("rotate secret", async () => {
      const rotated = await sdk.rotateClientSecret(clientId);
      expect(rotated.client_secret).toEqual(expect.any(String));
      expect(rotated.client_secret).not.toBe(clientSecret);
      clientSecret = rotated.client_secret;
      const { client_secret: _shownOnce, ...stored } = rotated;
      expect(stored).toEqual((await tenant.raw("GET", `/clients/${clientId}`)).body);
    });

    test("delete", async () => {
      const doomed = await sdk.createClient({ name: "Doomed" });
      await sdk.deleteClient(doomed.client_id);
      expect(await failure(sdk.getClient(doomed.client_id))).toBe(404);
    });
  });

  describe("resource servers", () => {
    test("create", async () => {
      const created = await sdk.createResourceServer({
        name: "Orders",
        identifier: apiIdentifier,
        scopes: [{ value: "read:orders", description: "Read orders" }],
        token_lifetime: 3600,
        allow_offline_access: true,
        signing_alg: "RS256",
      });
      apiId = created.id;
      expect(created).toMatchObject({
        name: "Orders",
        identifier: apiIdentifier,
        scopes: [{ value: "read:orders", description: "Read orders" }],
        token_lifetime: 3600,
        allow_offline_access: true,
        signing_alg: "RS256",
      });
      expect(created).toEqual((await tenant.raw("GET", `/resource-servers/${apiId}`)).body);
    });

    test("get (by id and by identifier), list", async () => {
      const stored = (await tenant.raw("GET", `/resource-servers/${apiId}`)).body;
      expect(await sdk.getResourceServer(apiId)).toEqual(stored);
      expect(await sdk.getResourceServer(apiIdentifier)).toEqual(stored);
      const page = await sdk.listResourceServers({ page: 0, per_page: 10, include_totals: true });
      expect(page).toEqual({ resource_servers: [stored], start: 0, limit: 10, length: 1, total: 1 });
    });

    test("update", async () => {
      const updated = await sdk.updateResourceServer(apiId, {
        name: "Orders API",
        scopes: [
          { value: "read:orders", description: "Read orders" },
          { value: "write:orders", description: "Write orders" },
        ],
      });
      expect(updated).toMatchObject({ name: "Orders API", identifier: apiIdentifier });
      expect(updated.scopes).toHaveLength(2);
      expect(updated).toEqual((await tenant.raw("GET", `/resource-servers/${apiId}`)).body);
    });

    test("delete", async () => {
      const doomed = await sdk.createResourceServer({ name: "Doomed", identifier: "https://doomed.example" });
      await sdk.deleteResourceServer(doomed.id);
      expect(await failure(sdk.getResourceServer(doomed.id))).toBe(404);
    });
  });

  describe("client grants", () => {
    let grantId = "";
    test("create", async () => {
      const created = await sdk.createClientGrant({
        client_id: clientId,
        audience: apiIdentifier,
        scope: ["read:orders"],
      });
      grantId = created.id;
      expect(created).toEqual({
        id: grantId,
        client_id: clientId,
        audience: apiIdentifier,
        scope: ["read:orders"],
      });
    });

    // v7 pages client grants with Auth0's checkpoint parameters (`take`, `from`: the answer
    // `{client_grants, next}`), v4 with `page`/`per_page`.
    test("list, by client_id and by audience", async () => {
      const stored = (await tenant.raw("GET", "/client-grants")).body;
      expect(stored).toHaveLength(1);
      const query = { per_page: 10, include_totals: true };
      const byClient = await sdk.listClientGrants({ ...query, client_id: clientId });
      const byAudience = await sdk.listClientGrants({ ...query, audience: apiIdentifier });
      const none = await sdk.listClientGrants({ ...query, audience: "https://nothing.example" });
      if (major.name === "auth0 v7") {
        expect([byClient, byAudience, none]).toEqual([
          { client_grants: stored },
          { client_grants: stored },
          { client_grants: [] },
        ]);
      } else {
        expect([byClient, byAudience, none]).toEqual([
          { client_grants: stored, start: 0, limit: 10, length: 1, total: 1 },
          { client_grants: stored, start: 0, limit: 10, length: 1, total: 1 },
          { client_grants: [], start: 0, limit: 10, length: 0, total: 0 },
        ]);
      }
    });

    test("update, delete", async () => {
      const updated = await sdk.updateClientGrant(grantId, { scope: ["read:orders", "write:orders"] });
      expect(updated).toEqual({
        id: grantId,
        client_id: clientId,
        audience: apiIdentifier,
        scope: ["read:orders", "write:orders"],
      });
      expect((await tenant.raw("GET", "/client-grants")).body).toEqual([updated]);
      await sdk.deleteClientGrant(grantId);
      expect((await tenant.raw("GET", "/client-grants")).body).toEqual([]);
    });
  });

  describe("tenant settings", () => {
    test("get", async () => {
      expect(await sdk.getTenantSettings()).toEqual((await tenant.raw("GET", "/tenants/settings")).body);
    });

    test("update", async () => {
      const updated = await sdk.updateTenantSettings({
        friendly_name: "Acme",
        default_audience: apiIdentifier,
        support_email: "support@acme.example",
        session_lifetime: 72,
        enabled_locales: ["en", "fr"],
      });
      expect(updated).toMatchObject({
        friendly_name: "Acme",
        default_audience: apiIdentifier,
        support_email: "support@acme.example",
        session_lifetime: 72,
        enabled_locales: ["en", "fr"],
      });
      expect(updated).toEqual((await tenant.raw("GET", "/tenants/settings")).body);
    });
  });

  describe("logs, user logs and user blocks", () => {
    /** A password exchange through the TLS front. */
    const exchange = (secretPassword: string) =>
      tenant.tlsFetch(`${tenant.origin}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "password",
          username: email,
          password: secretPassword,
          audience: apiIdentifier,
          scope: "read:orders offline_access",
          client_id: clientId,
          client_secret: clientSecret,
        }),
      });

    beforeAll(async () => {
      expect((await exchange(password)).status).toBe(200);
      await sdk.updateTenantSettings({ brute_force_protection: { max_attempts: 2 } });
      // RFC 6749 §5.2: a wrong password is invalid_grant (400); the second one blocks the user from this IP.
      for (let attempt = 0; attempt < 2; attempt++)
        expect((await exchange("wrong password!")).status).toBe(400);
      expect((await exchange(password)).status).toBe(429);
    });

    test("logs: list with q/sort/per_page, get by id", async () => {
      const list = await sdk.listLogs({
        q: `user_id:"${userId}"`,
        sort: "date:-1",
        per_page: 20,
        include_totals: true,
      });
      expect(list.logs.length).toBeGreaterThanOrEqual(3);
      expect(list.logs.map((event: { type: string }) => event.type)).toEqual(
        expect.arrayContaining(["sepft", "fepft"]),
      );
      const newest = list.logs[0];
      expect(await sdk.getLog(newest.log_id)).toEqual(
        (await tenant.raw("GET", `/logs/${newest.log_id}`)).body,
      );
    });

    test("a user's logs", async () => {
      const logs = await sdk.userLogs(userId);
      const stored = (await tenant.raw("GET", `/users/${encodeURIComponent(userId)}/logs`)).body;
      // v7 asks with include_totals=true (the paged object), v4 without (the array).
      const events = Array.isArray(logs) ? logs : logs.logs;
      expect(events).toEqual(stored);
      expect(events.length).toBeGreaterThanOrEqual(3);
    });

    test("a user's refresh tokens, as Auth0's {tokens} the SDK reads", async () => {
      const { body, items } = await sdk.userRefreshTokens(userId);
      const stored = (await tenant.raw("GET", `/users/${encodeURIComponent(userId)}/refresh-tokens`)).body;
      expect(stored.tokens).toHaveLength(1);
      expect(Object.keys(stored.tokens[0]).sort()).toEqual([
        "client_id",
        "created_at",
        "expires_at",
        "id",
        "idle_expires_at",
        "resource_servers",
        "rotating",
        "user_id",
      ]);
      expect(body).toEqual(stored);
      expect(items).toEqual(stored.tokens);
    });

    test("blocks: by user id and by identifier, then unblock", async () => {
      const blocks = await sdk.userBlocks(userId);
      expect(blocks.blocked_for).toHaveLength(1);
      expect(blocks).toEqual((await tenant.raw("GET", `/user-blocks/${encodeURIComponent(userId)}`)).body);
      expect(await sdk.userBlocksByIdentifier(email)).toEqual(blocks);
      await sdk.unblockUser(userId);
      expect((await sdk.userBlocks(userId)).blocked_for).toEqual([]);
      expect((await exchange(password)).status).toBe(200);
      await sdk.unblockByIdentifier(email);
    });
  });

  describe("signing keys", () => {
    // Differs: Rulegate's shapes, not Auth0's. Auth0 lists `cert`, `pkcs7`, `fingerprint`…
    // and answers a rotation with `{ cert, kid }`; Rulegate lists `kid alg current next
    // created_at retire_after` and answers `{ rotated: [{ alg, kid, previous_kid }] }`.
    test("differs: list and rotate work, with Rulegate's key shapes", async () => {
      const before = await sdk.listSigningKeys();
      expect(before).toEqual((await tenant.raw("GET", "/keys/signing")).body);
      expect(Object.keys(before[0]).sort()).toEqual([
        "alg",
        "created_at",
        "current",
        "kid",
        "next",
        "retire_after",
      ]);
      const rotated = await sdk.rotateSigningKey();
      expect(rotated.rotated).toHaveLength(1);
      const after = await sdk.listSigningKeys();
      const current = after.find((key: { current: boolean }) => key.current);
      expect(current.kid).toBe(rotated.rotated[0].kid);
    });

    test("differs: GET /keys/signing/{kid} is not served (404)", async () => {
      const [key] = await sdk.listSigningKeys();
      expect(await failure(sdk.getSigningKey(key.kid))).toBe(404);
    });

    test("differs: PUT /keys/signing/{kid}/revoke is not served (404); keys retire after a rotation", async () => {
      const [key] = await sdk.listSigningKeys();
      expect(await failure(sdk.revokeSigningKey(key.kid))).toBe(404);
    });
  });

  describe("jobs: users import", () => {
    const records = JSON.stringify([
      { email: "ann@example.com", user_id: "ann1", email_verified: true },
      { email: "not an email", user_id: "bad1" },
    ]);

    test("import (a File), get the job, get its errors", async () => {
      const file = new File([records], "users.json", { type: "application/json" });
      const job = await sdk.importUsers(file, CONNECTION_ID, false);
      expect(job).toMatchObject({
        type: "users_import",
        connection_id: CONNECTION_ID,
        connection: CONNECTION,
      });
      const done = await finished(sdk, job.id);
      expect(done).toMatchObject({ status: "completed", summary: { total: 2, inserted: 1, failed: 1 } });
      expect(done).toEqual((await tenant.raw("GET", `/jobs/${job.id}`)).body);
      const errors = await sdk.getJobErrors(job.id);
      expect(errors).toEqual((await tenant.raw("GET", `/jobs/${job.id}/errors`)).body);
      expect(errors).toHaveLength(1);
    });

    // Bun's FormData writes a bare Blob with `filename=""` (Node's names it "blob"): the part
    // named users is the file whatever its file name, as in Auth0.
    test("import (a bare Blob, under Bun), get the job, get its errors", async () => {
      const blob = new Blob([records.replaceAll("ann", "bea")], { type: "application/json" });
      const job = await sdk.importUsers(blob, CONNECTION_ID, false);
      expect(job).toMatchObject({
        type: "users_import",
        connection_id: CONNECTION_ID,
        connection: CONNECTION,
        upsert: false,
      });
      const done = await finished(sdk, job.id);
      expect(done).toMatchObject({ status: "completed", summary: { total: 2, inserted: 1, failed: 1 } });
      expect(done).toEqual((await tenant.raw("GET", `/jobs/${job.id}`)).body);
      expect(await sdk.getJobErrors(job.id)).toEqual(
        (await tenant.raw("GET", `/jobs/${job.id}/errors`)).body,
      );
      const imported = await tenant.raw("GET", `/users/${encodeURIComponent("auth0|bea1")}`);
      expect([imported.status, imported.body.email]).toEqual([200, "bea@example.com"]);
    });
  });

  describe("rules and rules configs", () => {
    const script = (body: string) =>
      `function (user, context, callback) {\n  ${body}\n  callback(null, user, context);\n}`;
    let ruleId = "";
    let secondId = "";

    test("rules: create (the order defaults to after the last), Auth0's 409 for a taken name", async () => {
      expect(await sdk.listRules({ include_totals: true })).toEqual({
        rules: [],
        start: 0,
        limit: 50,
        length: 0,
        total: 0,
      });
      const created = await sdk.createRule({ name: "add-country", script: script("// country"), order: 3 });
      ruleId = created.id;
      expect(created).toEqual({
        id: expect.stringMatching(/^rul_/),
        name: "add-country",
        script: script("// country"),
        order: 3,
        enabled: true,
        stage: "login_success",
      });
      expect(created).toEqual((await tenant.raw("GET", `/rules/${ruleId}`)).body);
      const second = await sdk.createRule({ name: "audit log", script: script("// audit"), enabled: false });
      secondId = second.id;
      expect(second).toMatchObject({ order: 4, enabled: false });
      expect(await failure(sdk.createRule({ name: "audit log", script: script("") }))).toBe(409);
      expect(await failure(sdk.createRule({ name: "broken", script: "function (u, c, cb) {" }))).toBe(400);
    });

    test("rules: list with enabled, fields, page/per_page, include_totals; get with fields", async () => {
      const all = await sdk.listRules({ include_totals: true });
      expect(all).toEqual((await tenant.raw("GET", "/rules?include_totals=true")).body);
      expect(all.rules.map((rule: { name: string }) => rule.name)).toEqual(["add-country", "audit log"]);
      expect(await sdk.listRules({ enabled: false, include_totals: true, fields: "name" })).toEqual({
        rules: [{ name: "audit log" }],
        start: 0,
        limit: 50,
        length: 1,
        total: 1,
      });
      expect(await sdk.listRules({ page: 1, per_page: 1, include_totals: true })).toMatchObject({
        rules: [{ id: secondId }],
        start: 1,
        limit: 1,
        total: 2,
      });
      expect(await sdk.getRule(ruleId)).toEqual((await tenant.raw("GET", `/rules/${ruleId}`)).body);
      expect(await sdk.getRule(ruleId, { fields: "name,order", include_fields: true })).toEqual({
        name: "add-country",
        order: 3,
      });
    });

    test("rules: update (rename, reorder, enable, script), then delete", async () => {
      const updated = await sdk.updateRule(secondId, {
        name: "audit-log",
        order: 1,
        enabled: true,
        script: script("// audit v2"),
      });
      expect(updated).toEqual({
        id: secondId,
        name: "audit-log",
        script: script("// audit v2"),
        order: 1,
        enabled: true,
        stage: "login_success",
      });
      expect(updated).toEqual((await tenant.raw("GET", `/rules/${secondId}`)).body);
      expect(await failure(sdk.updateRule(secondId, { order: 3 }))).toBe(409);
      await sdk.deleteRule(secondId);
      expect(await failure(sdk.getRule(secondId))).toBe(404);
      expect((await sdk.listRules({ include_totals: true })).total).toBe(1);
    });

    test("rules configs: set answers the key only, list shows keys only, delete", async () => {
      const value = `value-of-${major.version}`;
      expect(await sdk.setRulesConfig("SLACK_HOOK", value)).toEqual({ key: "SLACK_HOOK" });
      expect(await sdk.setRulesConfig("api:key", value)).toEqual({ key: "api:key" });
      const keys = await sdk.listRulesConfigs();
      expect(keys).toEqual([{ key: "SLACK_HOOK" }, { key: "api:key" }]);
      expect(keys).toEqual((await tenant.raw("GET", "/rules-configs")).body);
      expect(JSON.stringify(keys)).not.toContain(value);
      await sdk.deleteRulesConfig("SLACK_HOOK");
      await sdk.deleteRulesConfig("api:key");
      expect(await sdk.listRulesConfigs()).toEqual([]);
      await sdk.deleteRule(ruleId);
    });
  });

  describe("hooks and actions (empty listings)", () => {
    test("hooks", async () => {
      const page = await sdk.listHooks({ include_totals: true });
      expect(page).toEqual({ hooks: [], start: 0, limit: 50, length: 0, total: 0 });
      expect(page).toEqual((await tenant.raw("GET", "/hooks?include_totals=true")).body);
    });
    test("actions", async () => {
      // v7 asks for 50 a page; v4 asks for no size and gets Auth0's default, 20.
      const perPage = major.name.endsWith("v7") ? 50 : 20;
      expect(await sdk.listActions()).toEqual({ actions: [], total: 0, page: 0, per_page: perPage });
    });
  });

  describe("client credentials (clientId/clientSecret instead of a token)", () => {
    test("the SDK gets a Management API token from <issuer>oauth/token and uses it, within its scopes", async () => {
      const machine = (
        await tenant.raw("POST", "/clients", {
          name: "Deploy pipeline",
          app_type: "non_interactive",
          grant_types: ["client_credentials"],
          token_endpoint_auth_method: "client_secret_post",
        })
      ).body;
      const audience = `${tenant.origin}/api/v2/`;
      const grant = await tenant.raw("POST", "/client-grants", {
        client_id: machine.client_id,
        audience,
        scope: ["read:users", "read:clients"],
      });
      expect(grant.status).toBe(201);
      const machineSdk = major.connect({
        domain: tenant.domain,
        ca: tenant.ca,
        clientId: machine.client_id,
        clientSecret: machine.client_secret,
      });
      const stored = (await tenant.raw("GET", `/users/${encodeURIComponent(userId)}`)).body;
      expect(await machineSdk.getUser(userId)).toEqual(stored);
      expect(await machineSdk.getClient(clientId)).toEqual(
        (await tenant.raw("GET", `/clients/${clientId}`)).body,
      );
      // Auth0's answer for a scope the token lacks.
      expect(await failure(machineSdk.createClient({ name: "Not allowed" }))).toBe(403);
    });
  });

  // 404 for what Rulegate has no route for.
  test("the database connection and its options; the email provider (none configured: 404)", async () => {
    const listed = await sdk.listConnections({ strategy: "auth0" });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: "con_rulegatedatabase",
      name: "Username-Password-Authentication",
      strategy: "auth0",
    });
    const updated = await sdk.updateConnection("con_rulegatedatabase", {
      options: { passwordPolicy: "fair" },
    });
    expect(updated.options).toMatchObject({ passwordPolicy: "fair" });
    await sdk.updateConnection("con_rulegatedatabase", { options: {} });
    expect(await failure(sdk.getEmailProvider())).toBe(404);
  });

  test("not supported: roles, organizations, custom domains, log streams (404)", async () => {
    const statuses: Record<string, number | undefined> = {};
    for (const [name, call] of Object.entries(sdk.unsupported)) statuses[name] = await failure(call());
    expect(statuses).toEqual({
      roles: 404,
      organizations: 404,
      "custom domains": 404,
      "log streams": 404,
    });
  });

  describe("users: delete", () => {
    test("delete", async () => {
      await sdk.deleteUser(userId);
      expect(await failure(sdk.getUser(userId))).toBe(404);
    });
  });
});
