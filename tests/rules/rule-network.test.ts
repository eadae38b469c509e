/**
 * Outbound HTTP from rules, through real Deno rule hosts started with the operator's
 * RULE_ALLOWED_HOSTS: a local service on one allowed port reached with `fetch`, and with the
 * real `axios` and `request` packages npm installed in RULE_MODULES_DIR; every other port,
 * host name, scheme and the Rulegate server's own port refused with an error the rule can
 * catch and a log line naming only host:port; a slow service cut at the time limit with no
 * callback running after; a huge body stopped by the memory limit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/logs/logger.ts";
import type { AnyRuleInput, RuleExecution } from "../../src/rules/contract.ts";
import { createRulePool, type RulePool } from "../../src/rules/pool.ts";
import { ruleScript } from "../../src/rules/rule-version.ts";
import { sampleRuleInput } from "../../src/rules/sample-input.ts";
import { ruleModulesDir } from "../support/rule-modules.ts";
import { portOf, startServer } from "../support/server-process.ts";

const TIMEOUT_MS = 2000;
const sample = sampleRuleInput("t", "urn:x");
const input = sample as AnyRuleInput;

let service: Server;
let other: Server;
let servicePort: number;
let otherPort: number;
/** What the allowed service saw: each request's path, and the slow requests whose client went away. */
const seen: { paths: string[]; abandoned: number } = { paths: [], abandoned: 0 };
let otherRequests = 0;
let pool: RulePool;
let version = 0;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

async function body(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

beforeAll(async () => {
  service = createServer(async (request, response) => {
    seen.paths.push(request.url ?? "");
    const url = new URL(request.url ?? "/", "http://service");
    if (url.pathname === "/risk") {
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          score: 0.25,
          method: request.method,
          auth: request.headers.authorization ?? null,
          sent: request.method === "POST" ? JSON.parse(await body(request)) : null,
        }),
      );
    } else if (url.pathname === "/slow") {
      request.on("close", () => {
        if (!response.writableEnded) seen.abandoned += 1;
      });
    } else if (url.pathname === "/huge") {
      const chunk = Buffer.alloc(1024 * 1024, 120);
      let sent = 0;
      const pump = () => {
        while (sent < 200 && response.write(chunk)) sent++;
        if (sent >= 200) response.end();
        else response.once("drain", pump);
      };
      response.on("error", () => {});
      pump();
    } else if (url.pathname === "/away") {
      response.writeHead(302, { location: `http://127.0.0.1:${otherPort}/landed` }).end();
    } else {
      response.writeHead(404).end();
    }
  });
  other = createServer((_request, response) => {
    otherRequests += 1;
    response.end("the other service");
  });
  servicePort = await listen(service);
  otherPort = await listen(other);
  pool = createRulePool({
    config: {
      ruleWorkers: 1,
      ruleTimeoutMs: TIMEOUT_MS,
      ruleMemoryMb: 64,
      ruleModulesDir: ruleModulesDir(),
      ruleAllowedHosts: [`127.0.0.1:${servicePort}`],
    },
    log: createLogger("silent"),
  });
});

afterAll(async () => {
  await pool.close();
  service.closeAllConnections();
  service.close();
  other.close();
});

const run = (script: string): Promise<RuleExecution> =>
  pool.execute(ruleScript(script, new Date(++version)), input, `network-${version}`);

/** A rule whose async body computes `claims` (an object expression), answered as access-token claims. */
const rule = (prelude: string, claims: string) => `${prelude}
module.exports = async function (user, client, scope, audience, context) {
  return { accessToken: await (async () => (${claims}))() };
};`;

const claimsOf = (execution: RuleExecution) => {
  expect(execution.failure).toBeUndefined();
  return (execution.result as { accessToken: Record<string, unknown> }).accessToken;
};

describe("the allowed service", () => {
  test("fetch: GET and POST with JSON, headers and status", async () => {
    const execution = await run(
      rule(
        "",
        `{
        'https://x/get': await (await fetch('http://127.0.0.1:${servicePort}/risk?user=1', { headers: { authorization: 'Bearer abc' } })).json(),
        'https://x/post': await fetch('http://127.0.0.1:${servicePort}/risk', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email }) }).then((r) => r.json()),
        'https://x/missing': (await fetch('http://127.0.0.1:${servicePort}/nope')).status,
      }`,
      ),
    );
    expect(claimsOf(execution)).toEqual({
      "https://x/get": { score: 0.25, method: "GET", auth: "Bearer abc", sent: null },
      "https://x/post": { score: 0.25, method: "POST", auth: null, sent: { email: sample.user.email } },
      "https://x/missing": 404,
    });
  });

  test("axios and request from the modules folder, as Auth0's templates use them", async () => {
    const execution = await run(
      rule(
        "const axios = require('axios'); const request = require('request@2.88.2');",
        `{
        'https://x/axios': (await axios.post('http://127.0.0.1:${servicePort}/risk', { plan: 'gold' }, { headers: { Authorization: 'Basic ' + Buffer.from('id:secret').toString('base64') } })).data,
        'https://x/request': await new Promise((resolve, reject) =>
          request.get({ url: 'http://127.0.0.1:${servicePort}/risk', json: true, qs: { id: 7 } }, (error, response, body) =>
            error ? reject(error) : resolve({ status: response.statusCode, score: body.score }))),
      }`,
      ),
    );
    expect(claimsOf(execution)).toEqual({
      "https://x/axios": { score: 0.25, method: "POST", auth: "Basic aWQ6c2VjcmV0", sent: { plan: "gold" } },
      "https://x/request": { status: 200, score: 0.25 },
    });
    expect(seen.paths).toContain("/risk?id=7");
  });
});

describe("everything else is refused, with an error the rule can catch", () => {
  test("another port, a name not listed, another host, file:, a redirect away; logged by host:port only", async () => {
    const attempt = (call: string) =>
      `await ${call}.then(() => 'reached', (error) => 'refused: ' + error.message)`;
    const execution = await run(
      rule(
        "const axios = require('axios'); const request = require('request');",
        `{
        'https://x/port': ${attempt(`fetch('http://127.0.0.1:${otherPort}/?token=secret-in-the-query')`)},
        'https://x/name': ${attempt(`fetch('http://localhost:${servicePort}/risk')`)},
        'https://x/host': ${attempt("fetch('https://example.com/')")},
        'https://x/file': ${attempt("fetch('file:///etc/passwd')")},
        'https://x/redirect': ${attempt(`fetch('http://127.0.0.1:${servicePort}/away')`)},
        'https://x/axios': ${attempt(`axios.get('http://127.0.0.1:${otherPort}/')`)},
        'https://x/request': ${attempt(`new Promise((resolve, reject) => request('http://127.0.0.1:${otherPort}/', (error) => error ? reject(error) : resolve()))`)},
      }`,
      ),
    );
    const claims = claimsOf(execution);
    for (const [name, outcome] of Object.entries(claims)) expect(outcome, name).toStartWith("refused: ");
    expect(claims["https://x/port"]).toContain(`127.0.0.1:${otherPort}`);
    expect(claims["https://x/name"]).toContain(`localhost:${servicePort}`);
    expect(otherRequests).toBe(0);
    const logs = execution.logs.map((line) => line.text).join("\n");
    expect(logs).toContain(`127.0.0.1:${otherPort}`);
    expect(logs).toContain("example.com:443");
    expect(`${logs}\n${JSON.stringify(claims)}`).not.toContain("secret-in-the-query");
  });

  test("the server's own port, unless the operator lists it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rulegate-network-"));
    const server = await startServer(
      {
        DB_PATH: join(dir, "rulegate.sqlite"),
        ADMIN_API_KEY: "network-test-admin-key-0123456789",
        RULE_ALLOWED_HOSTS: `127.0.0.1:${servicePort}`,
      },
      /"event":"listening"/,
    );
    try {
      const serverPort = portOf((await server.done).stdout);
      const execution = await run(
        rule(
          "",
          `{ 'https://x/admin': await fetch('http://127.0.0.1:${serverPort}/api/v2/clients', { headers: { authorization: 'Bearer network-test-admin-key-0123456789' } }).then((r) => 'reached ' + r.status, (error) => 'refused: ' + error.message) }`,
        ),
      );
      expect(claimsOf(execution)["https://x/admin"]).toStartWith("refused: ");
    } finally {
      server.child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("limits", () => {
  test("a slow service is cut at the time limit: the request is aborted and no callback of it runs", async () => {
    const execution = await run(
      rule(
        "",
        `{ 'https://x/slow': await fetch('http://127.0.0.1:${servicePort}/slow').then(() => { console.log('late callback'); return 'answered'; }) }`,
      ),
    );
    expect(execution.failure).toMatchObject({ kind: "timeout" });
    // The host aborted the request when the call ended: the service sees its client go.
    for (let waited = 0; seen.abandoned === 0 && waited < 2000; waited += 50) await Bun.sleep(50);
    expect(seen.abandoned).toBe(1);
    const next = await run(rule("", "{ 'https://x/after': 'fine' }"));
    expect(claimsOf(next)).toEqual({ "https://x/after": "fine" });
    expect(execution.logs.map((line) => line.text)).not.toContain("late callback");
  });

  test("a huge body is stopped by the memory limit, as an error the rule can catch", async () => {
    const execution = await run(
      rule(
        "",
        `{ 'https://x/huge': await fetch('http://127.0.0.1:${servicePort}/huge').then((r) => r.text()).then((text) => 'read ' + text.length, (error) => 'refused: ' + error.message) }`,
      ),
    );
    expect(claimsOf(execution)["https://x/huge"]).toMatch(/^refused: .*larger/);
  });
});
