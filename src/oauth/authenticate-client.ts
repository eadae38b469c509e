import { findClient } from "../db/clients.ts";
import type { ClientRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import type { TokenEndpointAuthMethod } from "../model/token-endpoint-auth-methods.ts";
import { constantTimeEqual } from "../security/constant-time-equal.ts";
import { secretDigest } from "../security/secret-digest.ts";
import { InvalidClient, InvalidRequest } from "./errors.ts";
import type { TokenParams } from "./read-token-request.ts";

interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, joined by ":", then base64-encoded. */
function parseBasic(header: string | null): BasicCredentials | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  try {
    const decoded = atob(header.slice(6).trim());
    const colon = decoded.indexOf(":");
    if (colon < 1) throw new Error("no client id");
    const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw new InvalidClient("Malformed HTTP Basic client credentials.", { usedBasic: true });
  }
}

/**
 * What client authentication reads, and what it leaves for the log event even when it
 * fails: the client id presented, and the client that id names.
 */
export interface ClientAuthentication {
  readonly deps: Deps;
  readonly request: Request;
  readonly params: TokenParams;
  clientId?: string;
  client?: ClientRow;
}

/**
 * The token endpoint's client authentication (RFC 6749 §2.3): HTTP Basic
 * (`client_secret_basic`), `client_id` + `client_secret` in the body (`client_secret_post`),
 * or `client_id` alone for public clients (`none`). The method used must be the client's.
 * @returns the same context, its `client` now authenticated
 * @throws InvalidRequest when two methods are combined; InvalidClient otherwise
 */
export async function authenticateClient<Context extends ClientAuthentication>(
  context: Context,
): Promise<Context & { client: ClientRow }> {
  const { deps, request, params } = context;
  const basic = parseBasic(request.headers.get("authorization"));
  // RFC 6749 §2.3: the client MUST NOT use more than one authentication method per request.
  if (basic && params.client_secret !== undefined) {
    throw new InvalidRequest(
      "Client credentials were sent both in the Authorization header and in the body.",
    );
  }
  if (basic && params.client_id !== undefined && params.client_id !== basic.clientId) {
    throw new InvalidRequest("client_id in the body does not match the Authorization header.");
  }
  const usedBasic = basic !== undefined;
  const clientId = basic?.clientId ?? params.client_id;
  if (clientId === undefined)
    throw new InvalidClient("Client authentication is required (client_id is missing).");

  const presentedSecret = basic?.clientSecret ?? params.client_secret;
  const method: TokenEndpointAuthMethod = usedBasic
    ? "client_secret_basic"
    : presentedSecret !== undefined
      ? "client_secret_post"
      : "none";

  context.clientId = clientId;
  const client = await findClient(deps.db, clientId);
  context.client = client;
  const failed = (detail: string) =>
    new InvalidClient("Client authentication failed.", { usedBasic, detail });
  if (!client) throw failed("unknown client");
  if (method !== client.tokenEndpointAuthMethod) {
    throw failed(`client uses ${client.tokenEndpointAuthMethod}, request used ${method}`);
  }
  if (method !== "none") {
    const stored = client.clientSecretHash;
    if (!stored || !constantTimeEqual(secretDigest(presentedSecret ?? ""), stored))
      throw failed("wrong client secret");
  }
  return Object.assign(context, { client });
}
