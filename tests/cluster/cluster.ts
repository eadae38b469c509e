import { randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import postgres from "postgres";
import { exited, freePort, portOf, startServer } from "../support/server-process.ts";

/** The management key every node of a test cluster is started with. */
export const CLUSTER_ADMIN_KEY = "cluster-admin-key-0123456789abcdef";

/**
 * The PostgreSQL server the cluster tests run on (trust auth, the local cluster by default).
 * These tests are PostgreSQL-only by nature: with no server they fail, never skip.
 */
export const postgresServerUrl = (): string =>
  process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const onServer = async <T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> => {
  const sql = postgres(postgresServerUrl(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
};

/**
 * A fresh database `rulegate_cluster_<random>` for one test file, a connection to it for
 * the test's own checks, and `drop` (with force: the nodes may still hold connections).
 */
export async function createClusterDatabase() {
  const name = `rulegate_cluster_${randomBytes(6).toString("hex")}`;
  await onServer((sql) => sql`create database ${sql(name)}`);
  const url = new URL(postgresServerUrl());
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {}, connect_timeout: 5 });
  return {
    name,
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 }).catch(() => {});
      await onServer((server) => server`drop database if exists ${server(name)} with (force)`);
    },
  };
}

export type ClusterDatabase = Awaited<ReturnType<typeof createClusterDatabase>>;

/** Polls `select 1` on the server until it answers (after a restart), at most `timeoutMs`. */
export async function waitForPostgres(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await onServer((sql) => sql`select 1`);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a node needs to join a cluster: its database, the shared issuer, its own port. */
export interface NodeOptions {
  databaseUrl: string;
  issuer: string;
  port?: number;
  env?: Record<string, string>;
}

/**
 * Starts one node (`src/main.ts`, as `npm start` does) on the cluster's database with the
 * settings every node shares, and waits for its `listening` line.
 */
export async function startNode(options: NodeOptions) {
  const port = options.port ?? (await freePort());
  const started = await startServer(
    {
      DATABASE_URL: options.databaseUrl,
      ADMIN_API_KEY: CLUSTER_ADMIN_KEY,
      RULE_WORKERS: "1",
      LOG_LEVEL: "info",
      ISSUER: options.issuer,
      PORT: String(port),
      ...options.env,
    },
    /"event":"listening".*\n/,
  );
  const { stdout, stderr, code } = await started.done;
  if (code !== null) throw new Error(`node exited with ${code}; stdout: ${stdout} stderr: ${stderr}`);
  return nodeClient(`http://127.0.0.1:${portOf(stdout)}`, {
    child: started.child,
    output: started.output,
  });
}

/** A node's HTTP surface: management calls with the admin key, token requests, and its process. */
export function nodeClient(
  base: string,
  spawned?: Pick<Awaited<ReturnType<typeof startServer>>, "child" | "output">,
) {
  /** A management API call; `body` is sent as JSON. */
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${base}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${CLUSTER_ADMIN_KEY}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** A token request with a JSON body. */
  const token = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(params),
    });
  return {
    base,
    port: Number(new URL(base).port),
    child: spawned?.child,
    output: spawned?.output,
    admin,
    token,
    /** Kills the node at once (no shutdown work), and waits until it is gone. */
    async kill() {
      spawned?.child.kill("SIGKILL");
      if (spawned) await exited(spawned.child);
    },
  };
}

export type ClusterNode = ReturnType<typeof nodeClient>;

/** Starts `count` nodes at the same moment on one database, all with the same issuer. */
export async function startCluster(count: number, options: Omit<NodeOptions, "port">) {
  return Promise.all(Array.from({ length: count }, () => startNode(options)));
}

/**
 * A fresh database and `count` nodes started together on it with one issuer, the seed made
 * through the first: what most cluster tests start from.
 */
export async function startSeededCluster(count: number) {
  const database = await createClusterDatabase();
  const issuer = `http://127.0.0.1:${await freePort()}/`;
  const nodes = await startCluster(count, { databaseUrl: database.url, issuer });
  return { database, nodes, seed: await seedCluster(nodes[0]!) };
}

/** The JSON body of a management answer, failing with the answer when its status is not 2xx. */
export async function ok<T = Record<string, unknown>>(response: Response | Promise<Response>): Promise<T> {
  const answer = await response;
  if (answer.status >= 300) throw new Error(`${answer.url}: ${answer.status} ${await answer.text()}`);
  return (answer.status === 204 ? undefined : await answer.json()) as T;
}

/** The API, client and user the cluster tests exchange with (created through `node`). */
export async function seedCluster(node: ClusterNode) {
  const audience = "https://cluster.example.com";
  await ok(
    node.admin("POST", "/resource-servers", {
      identifier: audience,
      name: "Cluster API",
      scopes: [{ value: "read:things", description: "Read things" }],
      allow_offline_access: true,
    }),
  );
  const client = await ok<{ client_id: string; client_secret: string }>(
    node.admin("POST", "/clients", { name: "cluster client" }),
  );
  const user = await ok<{ user_id: string }>(
    node.admin("POST", "/users", { email: "alice@example.com", password: "correct horse battery" }),
  );
  return { audience, client, user };
}

export type ClusterSeed = Awaited<ReturnType<typeof seedCluster>>;

/** The parameters of a password exchange of the seeded user (override any of them). */
export const exchangeParams = (seed: ClusterSeed, extra: Record<string, string> = {}) => ({
  grant_type: "password",
  username: "alice@example.com",
  password: "correct horse battery",
  audience: seed.audience,
  client_id: seed.client.client_id,
  client_secret: seed.client.client_secret,
  ...extra,
});

/** The parameters of a refresh with `refreshToken` by the seeded client. */
export const refreshParams = (seed: ClusterSeed, refreshToken: string) => ({
  grant_type: "refresh_token",
  refresh_token: refreshToken,
  client_id: seed.client.client_id,
  client_secret: seed.client.client_secret,
});

/** The claims and the protected header of a JWT (no verification: the test reads what was issued). */
export const readJwt = (jwt: string) => ({ claims: decodeJwt(jwt), header: decodeProtectedHeader(jwt) });
