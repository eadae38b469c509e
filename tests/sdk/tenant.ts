import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ruleModulesDir } from "../support/rule-modules.ts";
import { exited, freePort, portOf, startServer } from "../support/server-process.ts";
import { makeCertificates, startTlsFront } from "./tls-front.ts";

/**
 * A fresh Rulegate (its own temporary database, `NODE_ENV=production` so that no demo is
 * provisioned) behind a TLS-terminating HAProxy, reachable as Auth0's tools expect a tenant:
 * `https://<domain>`, with `ISSUER` the public https URL. `raw` calls the Management API
 * directly, to compare what an SDK hands back with what Rulegate stored. `env` adds settings
 * (`MFA_SECRET_KEY`, which production needs before MFA can be switched on).
 */
export async function startTenant(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "rulegate-sdk-"));
  const certificates = makeCertificates(dir);
  const adminKey = `rg_admin_${randomBytes(24).toString("base64url")}`;
  const frontPort = await freePort();
  const server = await startServer(
    {
      DB_PATH: join(dir, "rulegate.sqlite"),
      ADMIN_API_KEY: adminKey,
      ISSUER: `https://localhost:${frontPort}/`,
      TRUST_PROXY: "loopback",
      NODE_ENV: "production",
      // Actions declare dependencies (lodash), checked against the folder at deploy.
      RULE_MODULES_DIR: ruleModulesDir(),
      ...env,
    },
    /"event":"listening"/,
  );
  const started = await server.done;
  if (started.code !== null) throw new Error(`Rulegate exited: ${started.stderr}`);
  const front = await startTlsFront(frontPort, portOf(started.stdout), certificates);

  /** `fetch` over the front's TLS, trusting the test authority. */
  const tlsFetch = (url: string, init: RequestInit = {}) =>
    fetch(url, { ...init, tls: { ca: certificates.ca } } as RequestInit);

  /** A Management API call with the admin key; the JSON answer (or `null` for no body). */
  const raw = async (method: string, path: string, body?: unknown) => {
    const answer = await tlsFetch(`${front.origin}/api/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    return { status: answer.status, body: text ? JSON.parse(text) : null };
  };

  return {
    domain: front.domain,
    origin: front.origin,
    ca: certificates.ca,
    caPath: certificates.caPath,
    adminKey,
    /** The server's SQLite file, for what no answer shows (a rules config value). */
    dbPath: join(dir, "rulegate.sqlite"),
    raw,
    tlsFetch,
    output: server.output,
    async stop() {
      await front.stop();
      server.child.kill("SIGTERM");
      await exited(server.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Tenant = Awaited<ReturnType<typeof startTenant>>;
