import type { Static, TObject } from "@sinclair/typebox";
import type { TokenResponse } from "../mint-tokens.ts";
import type { ClientContext, GrantLabel } from "../token-context.ts";

/**
 * A grant as the token endpoint's registry lists it (node-oidc-provider's grant modules:
 * parameters and a handler): its RFC 6749 name, the schema its parameters are validated
 * against before it runs, its handler, and its log event codes (Auth0's).
 */
export interface Grant<Params extends TObject = TObject> extends GrantLabel {
  readonly params: Params;
  /** Runs the grant's own steps once the client is authenticated and allowed the grant. */
  handle(context: ClientContext, params: Static<Params>): Promise<TokenResponse>;
}

/** Lists a grant, its handler checked against its own parameter schema. */
export function defineGrant<Params extends TObject>(grant: Grant<Params>): Grant {
  return grant;
}
