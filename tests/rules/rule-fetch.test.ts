/**
 * A rule's `fetch` (src/rules/web-fetch.ts over src/rules/fetch-host.ts), run in a real
 * `node:vm` context against real HTTP servers on 127.0.0.1: only the operator's
 * `host:port` pairs are reached, on every redirect hop too; a refusal is the rule's own
 * catchable TypeError; aborts and ended calls stop deliveries; bodies are capped per call;
 * logs and errors name `host:port` and never a query.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { denoExecutable, ruleHostArguments } from "../../src/runtime/rule-host-process.ts";
import { createFetchRealm } from "./fixtures/fetch-realm.ts";

const IN_DENO = fileURLToPath(new URL("./fixtures/fetch-realm-in-deno.ts", import.meta.url));
let server: Server;
let other: Server;
let port: number;
let otherPort: number;
let base: string;
/** Requests the servers saw, by path: a refused fetch must never reach them. */
const seen: string[] = [];
/** Connections to /slow the host closed: an abort must reach the connection, not only the rule. */
let slowClosed = 0;
const sockets = new Set<import("node:net").Socket>();

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  seen.push(url.pathname);
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    switch (url.pathname) {
      case "/json":
        response.setHeader("set-cookie", ["a=1", "b=2"]);
        response.setHeader("content-type", "application/json");
        return void response.end(JSON.stringify({ hello: "wörld", query: url.search }));
      case "/echo":
        response.setHeader("content-type", "application/json");
        return void response.end(
          JSON.stringify({ method: request.method, headers: request.headers, body, path: url.pathname }),
        );
      case "/status":
        response.statusCode = 418;
        response.statusMessage = "I'm a teapot";
        return void response.end("short and stout");
      case "/redirect":
        response.statusCode = Number(url.searchParams.get("status") ?? 302);
        response.setHeader("location", url.searchParams.get("to") ?? "/json");
        return void response.end();
      case "/gzip":
        response.setHeader("content-encoding", "gzip");
        return void response.end(gzipSync("compressed hello"));
      case "/big":
        return void response.end("x".repeat(Number(url.searchParams.get("size"))));
      case "/slow":
        request.socket.on("close", () => {
          slowClosed += 1;
        });
        return; // never answers
      default:
        response.statusCode = 404;
        response.end("not found");
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  other = createServer(handle);
  for (const listening of [server, other]) {
    listening.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  }
  port = (server.address() as AddressInfo).port;
  otherPort = (other.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([server, other].map((s) => new Promise((resolve) => s.close(resolve))));
});

const listed = () => createFetchRealm({ allowedHosts: [`127.0.0.1:${port}`] });

describe("fetch to an allowed host", () => {
  test("GET answers a realm Response with status, headers and a JSON body", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      const response = await fetch("${base}/json?token=secret-value");
      return {
        isResponse: response instanceof Response,
        headersAreHeaders: response.headers instanceof Headers,
        status: response.status, ok: response.ok, url: response.url, redirected: response.redirected,
        type: response.headers.get("Content-Type"),
        cookies: response.headers.getSetCookie(),
        body: await response.json(),
        used: response.bodyUsed,
        again: await response.text().then(() => "read twice", (error) => error instanceof TypeError),
      };
    `);
    expect(outcome).toEqual({
      ok: true,
      value: {
        isResponse: true,
        headersAreHeaders: true,
        status: 200,
        ok: true,
        url: `${base}/json?token=secret-value`,
        redirected: false,
        type: "application/json",
        cookies: ["a=1", "b=2"],
        body: { hello: "wörld", query: "?token=secret-value" },
        used: true,
        again: true,
      },
    });
  });

  test("POST sends JSON, headers and the method; a Request object works as input", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      const response = await fetch(new Request("${base}/echo", {
        method: "post",
        headers: { "Content-Type": "application/json", "X-Rule": "yes" },
        body: JSON.stringify({ name: "José" }),
      }));
      const echoed = await response.json();
      return { method: echoed.method, type: echoed.headers["content-type"], rule: echoed.headers["x-rule"], body: JSON.parse(echoed.body) };
    `);
    expect(outcome.value).toEqual({
      method: "POST",
      type: "application/json",
      rule: "yes",
      body: { name: "José" },
    });
  });

  test("a URLSearchParams body is a form; bytes go as bytes; clone reads the body twice", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      const form = await (await fetch("${base}/echo", { method: "POST", body: new URLSearchParams({ a: "1 2", b: "é" }) })).json();
      const bytes = await (await fetch("${base}/echo", { method: "PUT", body: new Uint8Array([104, 105]) })).json();
      const response = await fetch("${base}/status");
      const copy = response.clone();
      return {
        form: [form.headers["content-type"], form.body],
        bytes: bytes.body,
        status: [response.status, response.statusText, response.ok],
        texts: [await response.text(), new Uint8Array(await copy.arrayBuffer()).length],
      };
    `);
    expect(outcome.value).toEqual({
      form: ["application/x-www-form-urlencoded;charset=UTF-8", "a=1+2&b=%C3%A9"],
      bytes: "hi",
      status: [418, "I'm a teapot", false],
      texts: ["short and stout", 15],
    });
  });

  test("redirects within the list are followed (303 and a POST under 302 become GET; 307 keeps POST)", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      const hop = await fetch("${base}/redirect?to=/json");
      const post302 = await (await fetch("${base}/redirect?to=/echo", { method: "POST", body: "x" })).json();
      const post307 = await (await fetch("${base}/redirect?status=307&to=/echo", { method: "POST", body: "kept" })).json();
      const manual = await fetch("${base}/redirect?to=/json", { redirect: "manual" });
      return {
        hop: [hop.status, hop.redirected, hop.url],
        post302: [post302.method, post302.body],
        post307: [post307.method, post307.body],
        manual: [manual.status, manual.headers.get("location")],
      };
    `);
    expect(outcome.value).toEqual({
      hop: [200, true, `${base}/json`],
      post302: ["GET", ""],
      post307: ["POST", "kept"],
      manual: [302, "/json"],
    });
  });

  test("a gzip body arrives decoded", async () => {
    const realm = listed();
    const outcome = await realm.run(`return await (await fetch("${base}/gzip")).text();`);
    expect(outcome.value).toBe("compressed hello");
  });
});

describe("what the list refuses, as a catchable TypeError of the rule's realm", () => {
  const refusals: [string, () => string][] = [
    ["another port", () => `http://127.0.0.1:${otherPort}/json?token=secret-value`],
    ["another host", () => `http://10.255.255.1:${port}/json?token=secret-value`],
    ["localhost when only 127.0.0.1 is listed", () => `http://localhost:${port}/json?token=secret-value`],
    ["https on the default port", () => `https://127.0.0.1/json?token=secret-value`],
  ];
  for (const [what, url] of refusals) {
    test(what, async () => {
      const realm = listed();
      const before = seen.length;
      const outcome = await realm.run(`
        try { await fetch("${url()}"); return "fetched"; }
        catch (error) { return [error instanceof TypeError, error.message]; }
      `);
      const hostPort = new URL(url()).host || "";
      expect(outcome.ok).toBe(true);
      const [isTypeError, message] = outcome.value as [boolean, string];
      expect(isTypeError).toBe(true);
      expect(message).toContain("not in the rule's allowed hosts");
      expect(message).not.toContain("secret-value");
      expect(seen.length).toBe(before);
      expect(realm.logs.length).toBe(1);
      expect(realm.logs[0]).toContain(hostPort.includes(":") ? hostPort : `${hostPort}:443`);
      expect(realm.logs.join("\n")).not.toContain("secret-value");
      expect(realm.logs.join("\n")).not.toContain("/json");
    });
  }

  test("file:, data: and a relative URL are refused", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      const out = [];
      for (const url of ["file:///etc/passwd", "data:text/plain,hi", "/json", "blob:http://x/y"]) {
        try { await fetch(url); out.push("fetched"); } catch (error) { out.push(error instanceof TypeError); }
      }
      return out;
    `);
    expect(outcome.value).toEqual([true, true, true, true]);
  });

  test("an empty list allows nothing", async () => {
    const realm = createFetchRealm({ allowedHosts: [] });
    const outcome = await realm.run(`await fetch("${base}/json"); return "fetched";`);
    expect(outcome).toMatchObject({ ok: false, name: "TypeError" });
  });

  test("list entries compare case-insensitively, and IPv6 in brackets", async () => {
    const realm = createFetchRealm({ allowedHosts: [`LOCALHOST:${port}`, `[::1]:${port}`] });
    const outcome = await realm.run(`
      const out = [];
      for (const url of ["http://localhost:${port}/nothing-listening-here-is-fine", "http://[::1]:${port}/x", "http://[::2]:${port}/x"]) {
        try { await fetch(url); out.push("fetched"); } catch (error) { out.push(error.message.includes("allowed hosts") ? "refused" : "network"); }
      }
      return out;
    `);
    const [first, second, third] = outcome.value as string[];
    expect(first).not.toBe("refused");
    expect(second).not.toBe("refused");
    expect(third).toBe("refused");
  });

  test("a redirect to an unlisted host fails the fetch without reaching it", async () => {
    const realm = listed();
    const before = seen.length;
    const outcome = await realm.run(`
      try { await fetch("${base}/redirect?to=" + encodeURIComponent("http://127.0.0.1:${otherPort}/json?token=secret-value")); return "fetched"; }
      catch (error) { return [error instanceof TypeError, error.message]; }
    `);
    const [isTypeError, message] = outcome.value as [boolean, string];
    expect(isTypeError).toBe(true);
    expect(message).toContain(`127.0.0.1:${otherPort}`);
    expect(message).not.toContain("secret-value");
    expect(seen.slice(before)).toEqual(["/redirect"]);
    expect(realm.logs).toEqual([`fetch to 127.0.0.1:${otherPort} refused: it is not in RULE_ALLOWED_HOSTS`]);
  });
});

describe("aborts, ended calls and limits", () => {
  test("an AbortSignal already aborted rejects at once; abort while pending rejects with its reason", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      const early = await fetch("${base}/json", { signal: AbortSignal.abort() }).catch((error) => [error.name, error instanceof DOMException]);
      const controller = new AbortController();
      const pending = fetch("${base}/slow", { signal: controller.signal });
      setTimeout(() => controller.abort(new Error("enough")), 50);
      const late = await pending.catch((error) => error.message);
      return { early, late };
    `);
    expect(outcome.value).toEqual({ early: ["AbortError", true], late: "enough" });
    await Bun.sleep(50);
    expect(slowClosed).toBe(1);
  });

  test("AbortSignal.timeout aborts a slow server with a TimeoutError", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      return await fetch("${base}/slow", { signal: AbortSignal.timeout(50) }).catch((error) => error.name);
    `);
    expect(outcome.value).toBe("TimeoutError");
    await Bun.sleep(50);
    expect(slowClosed).toBe(2);
  });

  test("abortCall stops delivery for the call and closes its connections", async () => {
    const realm = listed();
    let settled = false;
    void realm.run(`return await fetch("${base}/json").then(() => "answered");`).then(() => {
      settled = true;
    });
    realm.host.abortCall(1);
    void realm.run(`return await fetch("${base}/slow");`);
    const before = seen.filter((path) => path === "/slow").length;
    while (seen.filter((path) => path === "/slow").length === before) await Bun.sleep(5);
    realm.host.abortCall(1);
    await Bun.sleep(200);
    expect(realm.delivered).toEqual([]);
    expect(settled).toBe(false);
    expect(slowClosed).toBe(3);
  });

  test("an answer for a call that ended is dropped by the realm", async () => {
    const realm = listed();
    let settled = false;
    void realm.run(`return await fetch("${base}/json").then(() => "answered");`).then(() => {
      settled = true;
    });
    realm.callId = 2; // the sandbox moved on without aborting: the realm still drops it
    await Bun.sleep(200);
    expect(realm.delivered.length).toBe(1);
    expect(settled).toBe(false);
  });

  test("fetch between calls is refused", async () => {
    const realm = listed();
    realm.callId = 0;
    const outcome = await realm.run(`await fetch("${base}/json"); return "fetched";`);
    expect(outcome).toMatchObject({
      ok: false,
      name: "TypeError",
      message: "fetch is available only during a call.",
    });
  });

  test("bodies over maxBodyBytes per call fail with a clear error", async () => {
    const realm = createFetchRealm({ allowedHosts: [`127.0.0.1:${port}`], maxBodyBytes: 100_000 });
    const outcome = await realm.run(`
      const small = (await (await fetch("${base}/big?size=60000")).text()).length;
      const second = await fetch("${base}/big?size=60000&token=secret-value").then((r) => r.text()).catch((error) => [error.name, error.message]);
      return { small, second };
    `);
    const { small, second } = outcome.value as { small: number; second: [string, string] };
    expect(small).toBe(60000);
    expect(second[0]).toBe("RangeError");
    expect(second[1]).toContain("larger than the rule's memory allows");
    expect(second[1]).not.toContain("secret-value");
    expect(realm.logs.join("\n")).not.toContain("secret-value");
  });

  test("a call may have only so many requests open at once", async () => {
    const realm = listed();
    const outcome = await realm.run(`
      const controller = new AbortController();
      const open = Array.from({ length: 16 }, () => fetch("${base}/slow", { signal: controller.signal }).catch(() => "aborted"));
      const seventeenth = await fetch("${base}/json").catch((error) => [error.name, error.message]);
      controller.abort();
      await Promise.all(open);
      const afterwards = (await fetch("${base}/json")).status;
      return { seventeenth, afterwards };
    `);
    expect(outcome.value).toEqual({
      seventeenth: ["TypeError", "A rule may have at most 16 requests open at once."],
      afterwards: 200,
    });
  });

  test("a network failure names host:port and a short reason, never the query", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const realm = createFetchRealm({ allowedHosts: [`127.0.0.1:${closedPort}`] });
    const outcome = await realm.run(`
      return await fetch("http://127.0.0.1:${closedPort}/x?token=secret-value").catch((error) => [error.name, error.message]);
    `);
    expect(outcome.value).toEqual([
      "TypeError",
      `fetch to 127.0.0.1:${closedPort} failed: connection refused.`,
    ]);
  });

  test("the host's capability never throws on nonsense", () => {
    const realm = listed();
    const host = realm.host;
    expect(JSON.parse(host.fetch(1, 1, "GET", "http://x", "not json", null))).toEqual([
      "TypeError",
      expect.any(String),
    ]);
    expect(JSON.parse(host.fetch(1, 2, "G ET", `${base}/json`, "[]", null))[0]).toBe("TypeError");
    expect(JSON.parse(host.fetch(1, 3, "GET", `${base}/json`, '[["x", 1]]', null))[0]).toBe("TypeError");
    expect(JSON.parse(host.fetch(1, 4, "GET", `${base}/json`, "[]", "body"))[0]).toBe("TypeError");
    expect(JSON.parse(host.fetch(1, 5, "TRACE", `${base}/json`, "[]", null))[0]).toBe("TypeError");
    expect(JSON.parse(host.fetch(1, 6, "GET", `http://user:pw@127.0.0.1:${port}/`, "[]", null))[0]).toBe(
      "TypeError",
    );
    expect(() => host.abort(99, 99)).not.toThrow();
    expect(() => host.abortCall(99)).not.toThrow();
  });
});

test("under Deno with a rule host's command line and lockdown, the same fetch reaches the list only, and says why not", async () => {
  const allowed = [`127.0.0.1:${port}`, "127.0.0.1:39", "no-such-host.invalid:80"];
  const bodies = [
    `const response = await fetch("${base}/redirect?to=/json");
     return [response.status, response.redirected, (await response.json()).hello];`,
    `return await fetch("http://127.0.0.1:39/x?token=secret-value").catch((error) => error.message);`,
    `return await fetch("http://no-such-host.invalid/x?token=secret-value").catch((error) => error.message);`,
    `return await fetch("https://127.0.0.1:${port}/x?token=secret-value").catch((error) => error.message);`,
    `return await fetch("http://127.0.0.1:${otherPort}/x?token=secret-value").catch((error) => error.message);`,
    `return await fetch("${base}/slow", { signal: AbortSignal.timeout(100) }).catch((error) => error.name);`,
  ];
  // Spawned, not run synchronously: the servers answering it live in this process.
  const child = spawn(denoExecutable(), ruleHostArguments(128, IN_DENO, { allowedHosts: allowed }), {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output.stderr += chunk;
  });
  child.stdin.end(`${JSON.stringify({ allowedHosts: allowed, bodies })}\n`);
  await new Promise((resolve) => child.on("close", resolve));
  expect(output.stderr).toBe("");
  const answer = JSON.parse(output.stdout) as {
    outcomes: { value: unknown }[];
    logs: string[];
    fetchLeft: string;
  };
  expect(answer.fetchLeft).toBe("undefined");
  expect(answer.outcomes.map((outcome) => outcome.value)).toEqual([
    [200, true, "wörld"],
    "fetch to 127.0.0.1:39 failed: connection refused.",
    "fetch to no-such-host.invalid:80 failed: DNS lookup failed.",
    `fetch to 127.0.0.1:${port} failed: TLS handshake failed.`,
    `fetch to 127.0.0.1:${otherPort} is refused: it is not in the rule's allowed hosts.`,
    "TimeoutError",
  ]);
  expect(answer.logs).toEqual([`fetch to 127.0.0.1:${otherPort} refused: it is not in RULE_ALLOWED_HOSTS`]);
});
