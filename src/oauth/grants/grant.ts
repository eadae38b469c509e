import type { Deps } from "../../deps.ts";
import type { Audit } from "../errors.ts";
import type { TokenResponse } from "../mint-tokens.ts";
import type { TokenParams } from "../read-token-request.ts";

/** What every grant handler receives: values in, a token response out. */
export interface GrantContext {
  deps: Deps;
  request: Request;
  params: TokenParams;
  requestId: string;
}

/** A grant's answer, and who and what it was for (the success log event's fields). */
export interface GrantResult {
  tokens: TokenResponse;
  audit: Audit;
}

export type GrantHandler = (context: GrantContext) => Promise<GrantResult>;
