import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeJwt } from "jose";
import type { ClientRow } from "../../src/db/schema.ts";
import { rememberClientIp } from "../../src/http/client-ip.ts";
import { resolveClientIp } from "../../src/oauth/resolve-client-ip.ts";
import { createHarness, type Harness } from "../support/harness.ts";
import { deployRule } from "../support/rules.ts";

const request = (socket: string, headers: Record<string, string> = {}) => {
  const built = new Request("http://localhost/oauth/token", { headers });
  rememberClientIp(built, socket);
  return built;
};
const confidential = (trusted: boolean) =>
  ({ tokenEndpointAuthMethod: "client_secret_post", isTokenEndpointIpHeaderTrusted: trusted }) as ClientRow;

describe("resolveClientIp", () => {
  test("the socket address, and X-Forwarded-For only from a trusted proxy", () => {
    expect(resolveClientIp({ trustProxy: [] }, request("192.0.2.1", { "x-forwarded-for": "6.6.6.6" }))).toBe(
      "192.0.2.1",
    );
    const proxy = { trustProxy: ["10.0.0.1"] };
    expect(resolveClientIp(proxy, request("192.0.2.1", { "x-forwarded-for": "6.6.6.6" }))).toBe("192.0.2.1");
    expect(resolveClientIp(proxy, request("10.0.0.1", { "x-forwarded-for": "203.0.113.9" }))).toBe(
      "203.0.113.9",
    );
  });

  test("a spoofed left-most X-Forwarded-For entry is ignored: the right-most untrusted hop wins", () => {
    const twoProxies = { trustProxy: ["10.0.0.1", "10.0.0.2"] };
    const chain = { "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.2" };
    expect(resolveClientIp(twoProxies, request("10.0.0.1", chain))).toBe("203.0.113.9");
    expect(resolveClientIp({ trustProxy: ["10.0.0.1"] }, request("10.0.0.1", chain))).toBe("10.0.0.2");
    expect(
      resolveClientIp(twoProxies, request("10.0.0.1", { "x-forwarded-for": "not-an-ip, 203.0.113.9" })),
    ).toBe("203.0.113.9");
  });

  test("auth0-forwarded-for only from a confidential client that is trusted with it", () => {
    const vouched = request("192.0.2.1", { "auth0-forwarded-for": "198.51.100.77" });
    expect(resolveClientIp({ trustProxy: [] }, vouched, confidential(true))).toBe("198.51.100.77");
    expect(resolveClientIp({ trustProxy: [] }, vouched, confidential(false))).toBe("192.0.2.1");
    const publicClient = {
      tokenEndpointAuthMethod: "none",
      isTokenEndpointIpHeaderTrusted: true,
    } as ClientRow;
    expect(resolveClientIp({ trustProxy: [] }, vouched, publicClient)).toBe("192.0.2.1");
    const garbage = request("192.0.2.1", { "auth0-forwarded-for": "<script>" });
    expect(resolveClientIp({ trustProxy: [] }, garbage, confidential(true))).toBe("192.0.2.1");
  });
});

describe("through the token endpoint", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ TRUST_PROXY: "loopback" });
    await h.admin("POST", "/resource-servers", { identifier: "urn:api" });
    await h.admin("POST", "/users", { email: "ivy@example.com", password: "ivy password" });
    await deployRule(
      h,
      "module.exports = async function (u, c, scope, a, context) { return { scope: scope, 'https://t.example/ip': context.ip }; };",
    );
  });
  afterAll(() => h.close());

  const exchange = (
    client: { client_id: string; client_secret?: string },
    headers: Record<string, string>,
    socket: string,
  ) =>
    h.token(
      {
        grant_type: "password",
        username: "ivy@example.com",
        password: "ivy password",
        audience: "urn:api",
        client_id: client.client_id,
        ...(client.client_secret ? { client_secret: client.client_secret } : {}),
      },
      { headers, remoteAddress: socket },
    );

  test("the rule and the log see the resolved IP", async () => {
    const server = await (
      await h.admin("POST", "/clients", { name: "backend", is_token_endpoint_ip_header_trusted: true })
    ).json();
    const response = await exchange(
      server,
      { "auth0-forwarded-for": "198.51.100.23", "x-request-id": "ip-1" },
      "127.0.0.1",
    );
    expect(decodeJwt((await response.json()).access_token)["https://t.example/ip"]).toBe("198.51.100.23");
    const [event] = await (await h.admin("GET", "/logs?request_id=ip-1&type=sepft")).json();
    expect(event.ip).toBe("198.51.100.23");

    const behindProxy = await exchange(server, { "x-forwarded-for": "203.0.113.5" }, "127.0.0.1");
    expect(decodeJwt((await behindProxy.json()).access_token)["https://t.example/ip"]).toBe("203.0.113.5");
  });

  test("a public client cannot be trusted with auth0-forwarded-for", async () => {
    const refused = await h.admin("POST", "/clients", {
      name: "spa",
      token_endpoint_auth_method: "none",
      is_token_endpoint_ip_header_trusted: true,
    });
    expect(refused.status).toBe(400);
    const spa = await (
      await h.admin("POST", "/clients", { name: "spa", token_endpoint_auth_method: "none" })
    ).json();
    const patched = await h.admin("PATCH", `/clients/${spa.client_id}`, {
      is_token_endpoint_ip_header_trusted: true,
    });
    expect(patched.status).toBe(400);
    const response = await exchange(
      { client_id: spa.client_id },
      { "auth0-forwarded-for": "198.51.100.23" },
      "192.0.2.44",
    );
    expect(decodeJwt((await response.json()).access_token)["https://t.example/ip"]).toBe("192.0.2.44");
  });
});
