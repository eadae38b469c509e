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
  /**
   * RFC 8176 authentication methods beyond the password the login passed (`["mfa"]` after a
   * second factor); tokens carry them as `amr` (RFC 9068 §2.2.1, OpenID Connect Core §2).
   */
  amr?: string[];
}
