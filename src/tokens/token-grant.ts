import type { ClientRow, ResourceServerRow, UserRow } from "../db/schema.ts";
import type { GrantType } from "../model/grant-types.ts";

/** What the tokens of one grant are made of (minted by the token endpoint, kept by a refresh token family). */
export interface TokenGrant {
  user: UserRow;
  client: ClientRow;
  api: ResourceServerRow;
  /** The final scope (after the rule, or narrowed on refresh). */
  scope: string[];
  accessTokenClaims: Record<string, unknown>;
  idTokenClaims: Record<string, unknown>;
  grantType: GrantType;
  /** When the user last entered their password. */
  authTime: Date;
}
