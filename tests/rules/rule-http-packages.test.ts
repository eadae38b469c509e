/**
 * Real npm packages over a rule's network: `axios@1` (its node build, which uses its fetch
 * adapter since the realm's `process` is no Node process, and its http adapter when it
 * passes for one) and `request@2.88.2` (over the realm's `http`), from the test folder of
 * real packages (tests/support/rule-modules.ts), loaded by the rule host's own `require`
 * into a real `node:vm` context. They reach the listed host, and nothing else: not another
 * port, not through a redirect.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { ruleModulesDir } from "../support/rule-modules.ts";
import { createFetchRealm, type FetchRealm } from "./fixtures/fetch-realm.ts";
import { installTestRequire } from "./fixtures/test-require.ts";

let root: string;
let server: Server;
let port: number;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  root = ruleModulesDir();
  server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    seen.push(url.pathname);
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      if (url.pathname === "/away") {
        response.statusCode = 302;
        response.setHeader("location", "http://127.0.0.1:1/stolen?token=secret-value");
        return void response.end();
      }
      if (url.pathname === "/hop") {
        response.statusCode = 302;
        response.setHeader("location", "/echo?hopped=1");
        return void response.end();
      }
      const payload = JSON.stringify({
        method: request.method,
        url: request.url,
        body,
        headers: request.headers,
      });
      response.setHeader("content-type", "application/json");
      if (url.pathname === "/gzip") {
        response.setHeader("content-encoding", "gzip");
        return void response.end(gzipSync(payload));
      }
      response.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function packagesRealm(): FetchRealm {
  const realm = createFetchRealm({ allowedHosts: [`127.0.0.1:${port}`] });
  installTestRequire(realm, root);
  return realm;
}

describe("axios", () => {
  test("GET and POST JSON reach the listed host", async () => {
    const realm = packagesRealm();
    const outcome = await realm.run(`
      const axios = require("axios");
      const got = await axios.get("${base}/echo", { params: { q: "1" }, headers: { "X-Rule": "yes" } });
      const posted = await axios.post("${base}/echo", { name: "José" });
      const hopped = await axios.get("${base}/hop");
      return {
        got: [got.status, got.data.url, got.data.headers["x-rule"]],
        posted: [posted.data.method, JSON.parse(posted.data.body), posted.data.headers["content-type"]],
        hopped: hopped.data.url,
      };
    `);
    expect(outcome).toEqual({
      ok: true,
      value: {
        got: [200, "/echo?q=1", "yes"],
        posted: ["POST", { name: "José" }, "application/json"],
        hopped: "/echo?hopped=1",
      },
    });
  });

  test("another port, and a redirect away, fail as axios errors", async () => {
    const realm = packagesRealm();
    const before = seen.length;
    const outcome = await realm.run(`
      const axios = require("axios");
      const failure = (error) => [error.name, error.code, String(error.cause?.message)];
      return [
        await axios.get("http://127.0.0.1:1/x?token=secret-value").catch(failure),
        await axios.get("${base}/away").catch(failure),
      ];
    `);
    expect(outcome.value).toEqual([
      [
        "AxiosError",
        "ERR_NETWORK",
        "fetch to 127.0.0.1:1 is refused: it is not in the rule's allowed hosts.",
      ],
      [
        "AxiosError",
        "ERR_NETWORK",
        "fetch failed: fetch to 127.0.0.1:1 is refused: it is not in the rule's allowed hosts.",
      ],
    ]);
    expect(seen.slice(before)).toEqual(["/away"]);
    expect(realm.logs.join("\n")).not.toContain("secret-value");
  });

  test("its http adapter, chosen when the realm's process passes for Node's, follows redirects through the realm's http", async () => {
    const realm = packagesRealm();
    realm.evaluate(
      `Object.defineProperty(process, Symbol.toStringTag, { value: "process" });
       globalThis.setImmediate = (callback, ...args) => setTimeout(callback, 0, ...args);`,
    );
    const before = seen.length;
    const outcome = await realm.run(`
      const axios = require("axios");
      const hopped = await axios.post("${base}/hop", { a: 1 });
      const away = await axios.get("${base}/away").catch((error) => [error.code, error.message]);
      return { adapter: hopped.request.constructor.name, hopped: [hopped.status, hopped.data.method, hopped.data.url], away };
    `);
    expect(outcome.value).toEqual({
      adapter: "ClientRequest",
      hopped: [200, "GET", "/echo?hopped=1"],
      away: ["ERR_ACCESS_DENIED", "fetch to 127.0.0.1:1 is refused: it is not in the rule's allowed hosts."],
    });
    expect(seen.slice(before)).toEqual(["/hop", "/echo", "/away"]);
  });
});

describe("request", () => {
  const call = (options: string) => `
    const request = require("request");
    return await new Promise((resolve) => request(${options}, (error, response, body) =>
      resolve(error ? { error: [error.code, error.message] } : { status: response.statusCode, body })));
  `;

  test("GET with json, a form POST, a followed redirect and gzip reach the listed host", async () => {
    const realm = packagesRealm();
    const got = await realm.run(
      call(`{ url: "${base}/echo?x=1", json: true, headers: { "X-Rule": "yes" } }`),
    );
    expect(got.value).toMatchObject({
      status: 200,
      body: { method: "GET", url: "/echo?x=1", headers: { "x-rule": "yes" } },
    });
    const form = await realm.run(
      call(`{ method: "POST", url: "${base}/echo", form: { a: "1 2" }, json: true }`),
    );
    expect(form.value).toMatchObject({
      status: 200,
      body: {
        method: "POST",
        body: "a=1%202",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
    });
    const hopped = await realm.run(call(`{ url: "${base}/hop", json: true }`));
    expect(hopped.value).toMatchObject({ status: 200, body: { url: "/echo?hopped=1" } });
    const gzip = await realm.run(call(`{ url: "${base}/gzip", gzip: true, json: true }`));
    expect(gzip.value).toMatchObject({ status: 200, body: { url: "/gzip" } });
  });

  test("a redirect away is refused at the hop, with Node's ERR_ACCESS_DENIED", async () => {
    const realm = packagesRealm();
    const before = seen.length;
    const outcome = await realm.run(call(`{ url: "${base}/away" }`));
    expect(outcome.value).toEqual({
      error: ["ERR_ACCESS_DENIED", "fetch to 127.0.0.1:1 is refused: it is not in the rule's allowed hosts."],
    });
    expect(seen.slice(before)).toEqual(["/away"]);
    expect(realm.logs).toEqual(["fetch to 127.0.0.1:1 refused: it is not in RULE_ALLOWED_HOSTS"]);
  });
});
