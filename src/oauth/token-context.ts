import type { ClientRow, RefreshTokenFamilyRow, ResourceServerRow, UserRow } from "../db/schema.ts";
import type { Deps } from "../deps.ts";
import { clientIp } from "../http/client-ip.ts";
import { requestIdOf } from "../http/request-id.ts";
import type { LogType } from "../logs/event-log.ts";
import type { GrantType } from "../model/grant-types.ts";
import type { RuleTiming } from "../rules/read-pipeline-result.ts";
import type { TokenParams } from "./read-token-request.ts";

/**
 * One token request, as far as it has got: the steps fill it in (the grant, the client, the
 * end user's IP, the user, the API, the scope), so the log event of its answer, success or
 * failure, is built from what was known when it ended (Auth0's `sepft`/`fepft` fields).
 */
export interface TokenContext {
  readonly deps: Deps;
  readonly request: Request;
  readonly requestId: string;
  /** When the request started (`performance.now()`), for the exchange's latency metric. */
  readonly startedAt: number;
  /** The body's parameters; empty until the body is read. */
  params: TokenParams;
  /** The grant `grant_type` names, once it is one this server implements. */
  grant?: GrantLabel;
  /** The end user's IP: the socket peer, until the client is known and resolveClientIp ran. */
  ip: string;
  /** The client id the request presented (HTTP Basic or body). */
  clientId?: string;
  /** The client that id names; authenticated once authenticateClient has returned. */
  client?: ClientRow;
  /** The user the login name names (password grant) or the refresh token's user. */
  user?: UserRow;
  /** The refresh token's family (refresh grant): its user, API and original scope. */
  family?: RefreshTokenFamilyRow;
  /** The API the token is for. */
  api?: ResourceServerRow;
  /** The scope granted, space-delimited, once the tokens are minted. */
  scope?: string;
  /** The Auth0 Rules that ran, each with its time, for the exchange's log event. */
  rules?: RuleTiming[];
  /** The Auth0 Actions that ran, each with its time, for the exchange's log event. */
  actions?: RuleTiming[];
}

/**
 * What a request's context knows of its grant: its RFC 6749 name and its log event codes
 * (Auth0's). The grant itself (src/oauth/grants/grant.ts) adds its parameters and handler.
 */
export interface GrantLabel {
  readonly type: GrantType;
  readonly events: { success: LogType; failure: LogType; description: string };
}

/** A token request past client authentication (RFC 6749 §2.3): where every grant starts. */
export type ClientContext = TokenContext & { client: ClientRow };

/** The token request of each request, for the one error exit (src/app.ts). */
const contexts = new WeakMap<Request, TokenContext>();

/** Starts the context of a token request; nothing is known yet but the request itself. */
export function startTokenRequest(deps: Deps, request: Request): TokenContext {
  const context: TokenContext = {
    deps,
    request,
    requestId: requestIdOf(request),
    startedAt: performance.now(),
    params: Object.create(null),
    ip: clientIp(request),
  };
  contexts.set(request, context);
  return context;
}

/** The token request this request is, if it is one. */
export function tokenContextOf(request: Request): TokenContext | undefined {
  return contexts.get(request);
}
