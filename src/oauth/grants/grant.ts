import type { Deps } from "../../deps.ts";
import type { TokenResponse } from "../mint-tokens.ts";
import type { TokenParams } from "../read-token-request.ts";

/** What every grant handler receives: values in, a token response out. */
export interface GrantContext {
  deps: Deps;
  request: Request;
  params: TokenParams;
  requestId: string;
}

export type GrantHandler = (context: GrantContext) => Promise<TokenResponse>;
