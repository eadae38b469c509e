import { Type as t } from "@sinclair/typebox";
import { DATABASE_CONNECTION } from "../../model/database-connection.ts";
import { PASSWORD_REALM } from "../../model/grant-types.ts";
import { InvalidRequest } from "../errors.ts";
import type { TokenResponse } from "../mint-tokens.ts";
import type { ClientContext } from "../token-context.ts";
import { PasswordGrantParams, passwordGrant } from "./password.ts";

/** Auth0's password-realm parameters: the password grant's, and the connection as `realm`. */
export const PasswordRealmGrantParams = t.Object({
  ...PasswordGrantParams.properties,
  grant_type: t.Literal(PASSWORD_REALM),
  realm: t.String({ maxLength: 128 }),
});
export type PasswordRealmGrantParams = typeof PasswordRealmGrantParams.static;

/**
 * Auth0's password-realm grant (`http://auth0.com/oauth/grant-type/password-realm`): the
 * password grant (RFC 6749 §4.3) against the database connection `realm` names. Rulegate
 * has one, Auth0's default `Username-Password-Authentication`; its name is compared exactly,
 * as Auth0 does, before any password is checked.
 * @throws InvalidRequest for another realm
 */
export async function passwordRealmGrant(
  context: ClientContext,
  params: PasswordRealmGrantParams,
): Promise<TokenResponse> {
  if (params.realm !== DATABASE_CONNECTION) {
    throw new InvalidRequest(`Unknown realm: ${params.realm.slice(0, 128)}`, "no such database connection");
  }
  const { realm: _realm, ...password } = params;
  return await passwordGrant(context, { ...password, grant_type: "password" });
}
