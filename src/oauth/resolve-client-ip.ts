import { isIP } from "node:net";
import type { Config } from "../config.ts";
import type { ClientRow } from "../db/schema.ts";
import { clientIp } from "../http/client-ip.ts";

/**
 * The end user's IP, for brute-force protection, the rule's `context.ip` and the logs:
 * the socket address; behind a proxy named in TRUST_PROXY, the right-most address of
 * X-Forwarded-For that is not itself a trusted proxy; and for a confidential client with
 * `is_token_endpoint_ip_header_trusted`, Auth0's `auth0-forwarded-for` (a server-side app
 * vouching for its user). A public client can never set it.
 * @param peerIp the socket address, when the caller already has it
 */
export function resolveClientIp(
  config: Pick<Config, "trustProxy">,
  request: Request,
  client?: ClientRow,
  peerIp: string = clientIp(request),
): string {
  let ip = peerIp;
  const trusted = new Set(config.trustProxy);
  if (trusted.has(ip)) {
    const chain = (request.headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => isIP(entry) !== 0);
    for (let index = chain.length - 1; index >= 0; index--) {
      ip = chain[index]!;
      if (!trusted.has(ip)) break;
    }
  }
  if (client && client.tokenEndpointAuthMethod !== "none" && client.isTokenEndpointIpHeaderTrusted) {
    const vouched = request.headers.get("auth0-forwarded-for")?.trim();
    if (vouched && isIP(vouched) !== 0) ip = vouched;
  }
  return ip;
}
