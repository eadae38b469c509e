/**
 * The rule realm's `http` and `https` (src/rules/node-http.ts), built in a real `node:vm`
 * context on the realm's own fetch and the rule built-ins' `events`, `stream` and `buffer`,
 * against a real HTTP server on 127.0.0.1: they answer like Node's (status, lower-case
 * headers, set-cookie as a list, no redirect following), and they reach only what `fetch`
 * reaches. The capability-less modules fail with a clear error when used.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { vendorModules } from "../../src/rules/builtins/vendor.generated.js";
import { nodeHttpModules } from "../../src/rules/node-http.ts";
import { createFetchRealm, type FetchRealm } from "./fixtures/fetch-realm.ts";

let server: Server;
let port: number;
let base: string;
const sockets = new Set<import("node:net").Socket>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (url.pathname === "/echo") {
        response.setHeader("set-cookie", ["a=1", "b=2"]);
        response.setHeader("content-type", "application/json");
        response.end(
          JSON.stringify({
            method: request.method,
            headers: request.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            url: request.url,
          }),
        );
      } else if (url.pathname === "/redirect") {
        response.statusCode = 301;
        response.setHeader("location", "/echo");
        response.end();
      } else if (url.pathname === "/gzip") {
        response.setHeader("content-encoding", "gzip");
        response.end(gzipSync("compressed hello"));
      } else if (url.pathname === "/slow") {
        // never answers
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** A fetch realm with the built-ins and the node modules under `globalThis.node`. */
function nodeRealm(): FetchRealm {
  const realm = createFetchRealm({ allowedHosts: [`127.0.0.1:${port}`] });
  realm.evaluate(`globalThis.builtins = (${String(vendorModules)})();`);
  realm.evaluate(
    `globalThis.node = (${String(nodeHttpModules)})({
      fetch, AbortController, URL,
      Buffer: builtins.buffer.Buffer, EventEmitter: builtins.events, stream: builtins.stream,
    });`,
  );
  return realm;
}

/** Realm code that runs `http.request` and answers what the response said. */
const collect = `
  const answer = (request) => new Promise((resolve, reject) => {
    request.on("error", reject);
    request.on("response", (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({
        statusCode: response.statusCode, statusMessage: response.statusMessage,
        headers: response.headers, httpVersion: response.httpVersion,
        rawHeaders: response.rawHeaders,
        body: builtins.buffer.Buffer.concat(chunks).toString("utf8"),
      }));
    });
  });
`;

describe("http over the realm's fetch", () => {
  test("request with options, headers and a written body answers like Node's", async () => {
    const realm = nodeRealm();
    const outcome = await realm.run(`${collect}
      const request = node.http.request({ host: "127.0.0.1", port: ${port}, path: "/echo?x=1", method: "POST",
        headers: { "Content-Type": "application/json", "X-Trace": "t1" } });
      request.setHeader("X-Extra", "e");
      const headers = [request.getHeader("x-trace"), Object.keys(request.getHeaders()).sort(), request.hasHeader("X-EXTRA")];
      request.write('{"a":');
      request.end("1}");
      const response = await answer(request);
      const echoed = JSON.parse(response.body);
      return { headers, status: [response.statusCode, response.statusMessage, response.httpVersion],
        cookie: response.headers["set-cookie"], type: response.headers["content-type"],
        echoed: [echoed.method, echoed.url, echoed.body, echoed.headers["x-trace"], echoed.headers["x-extra"], echoed.headers["content-type"]] };
    `);
    expect(outcome).toEqual({
      ok: true,
      value: {
        headers: ["t1", ["content-type", "x-extra", "x-trace"], true],
        status: [200, "OK", "1.1"],
        cookie: ["a=1", "b=2"],
        type: "application/json",
        echoed: ["POST", "/echo?x=1", '{"a":1}', "t1", "e", "application/json"],
      },
    });
  });

  test("get with a URL and a callback; a redirect is the response, as in Node", async () => {
    const realm = nodeRealm();
    const outcome = await realm.run(`
      return await new Promise((resolve, reject) => {
        node.http.get("${base}/redirect", (response) => {
          response.resume();
          response.on("end", () => resolve([response.statusCode, response.headers.location]));
        }).on("error", reject);
      });
    `);
    expect(outcome.value).toEqual([301, "/echo"]);
  });

  test("a gzip body arrives decoded, without content-encoding or content-length", async () => {
    const realm = nodeRealm();
    const outcome = await realm.run(`${collect}
      const response = await answer(node.http.get("${base}/gzip"));
      return [response.body, "content-encoding" in response.headers, "content-length" in response.headers];
    `);
    expect(outcome.value).toEqual(["compressed hello", false, false]);
  });

  test("an unlisted host is an 'error' event with code ERR_ACCESS_DENIED; https to http is ERR_INVALID_PROTOCOL", async () => {
    const realm = nodeRealm();
    const outcome = await realm.run(`${collect}
      const refused = await answer(node.http.get("http://127.0.0.1:1/x?token=secret")).catch((error) => [error.code, error.message]);
      let protocol;
      try { node.http.get("https://127.0.0.1:${port}/"); } catch (error) { protocol = error.code; }
      return { refused, protocol };
    `);
    expect(outcome.value).toEqual({
      refused: [
        "ERR_ACCESS_DENIED",
        "fetch to 127.0.0.1:1 is refused: it is not in the rule's allowed hosts.",
      ],
      protocol: "ERR_INVALID_PROTOCOL",
    });
  });

  test("setTimeout emits 'timeout' and destroy aborts the host's request", async () => {
    const realm = nodeRealm();
    const outcome = await realm.run(`
      return await new Promise((resolve) => {
        const events = [];
        const request = node.http.get("${base}/slow");
        request.on("socket", () => events.push("socket"));
        request.on("error", (error) => events.push("error:" + error.message));
        request.on("close", () => resolve(events));
        request.setTimeout(30, () => { events.push("timeout"); request.destroy(new Error("gave up")); });
      });
    `);
    expect(outcome.value).toEqual(["socket", "timeout", "error:gave up"]);
    await Bun.sleep(50);
    expect(realm.delivered).toEqual([]);
  });

  test("Agent is a constructor packages can call and extend", async () => {
    const realm = nodeRealm();
    const outcome = await realm.run(`
      function Forever(options) { node.http.Agent.call(this, options); }
      Forever.prototype = Object.create(node.http.Agent.prototype);
      class Extended extends node.https.Agent {}
      return [new Forever({ keepAlive: true }).keepAlive, new Extended().protocol, node.https.globalAgent.defaultPort,
        node.http.STATUS_CODES[404], node.http.METHODS.includes("PATCH")];
    `);
    expect(outcome.value).toEqual([true, "https:", 443, "Not Found", true]);
  });
});

describe("modules without a capability", () => {
  test("net answers isIP; fs, dns, tls, zlib and http2 fail with a clear error when used", async () => {
    const realm = nodeRealm();
    const outcome = await realm.run(`
      const code = (run) => { try { run(); return "ran"; } catch (error) { return error.code + ": " + error.message; } };
      const viaCallback = await new Promise((resolve) => node.fs.readFile("/etc/passwd", "utf8", (error) => resolve(error.code)));
      const viaPromise = await node.fs.promises.readFile("/etc/passwd").catch((error) => error.code);
      const lookup = await new Promise((resolve) => node.dns.lookup("example.com", (error) => resolve(error.code)));
      return {
        ip: [node.net.isIP("127.0.0.1"), node.net.isIP("::1"), node.net.isIP("fe80::1%eth0"), node.net.isIP("localhost"), node.net.isIPv4("256.1.1.1")],
        net: code(() => node.net.connect(80, "example.com")),
        tls: code(() => node.tls.connect(443, "example.com")),
        readFileSync: code(() => node.fs.readFileSync("/etc/passwd")),
        existsSync: node.fs.existsSync("/etc/passwd"),
        viaCallback, viaPromise, lookup,
        zlib: [node.zlib.constants.Z_SYNC_FLUSH, node.zlib.Z_SYNC_FLUSH, code(() => node.zlib.createGunzip())],
        http2: code(() => node.http2.connect("https://example.com")),
      };
    `);
    expect(outcome.value).toEqual({
      ip: [4, 6, 6, 0, false],
      net: "ERR_ACCESS_DENIED: A raw network connection (net) is not available in rules.",
      tls: "ERR_ACCESS_DENIED: A raw TLS connection (tls) is not available in rules.",
      readFileSync: "ERR_ACCESS_DENIED: File access is not available in rules.",
      existsSync: false,
      viaCallback: "ERR_ACCESS_DENIED",
      viaPromise: "ERR_ACCESS_DENIED",
      lookup: "ERR_ACCESS_DENIED",
      zlib: [
        2,
        2,
        "ERR_ACCESS_DENIED: zlib (fetch already decodes gzip, deflate and br bodies) is not available in rules.",
      ],
      http2: "ERR_ACCESS_DENIED: HTTP/2 (http2) is not available in rules.",
    });
  });
});
