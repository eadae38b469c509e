import type { Static } from "@sinclair/typebox";
import { literalUnion } from "./literal-union.ts";

/** Auth0's extension grant: the password grant against a named database connection (`realm`). */
export const PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm";

/** Auth0's MFA grants: a password exchange's second factor, by TOTP code or by recovery code. */
export const MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp";
export const MFA_RECOVERY_CODE = "http://auth0.com/oauth/grant-type/mfa-recovery-code";

/**
 * The grants the token endpoint serves: RFC 6749 §4.3 (password), §4.4 (client_credentials),
 * §6 (refresh_token), Auth0's password-realm and its MFA grants.
 */
export const GRANT_TYPES = [
  "password",
  "refresh_token",
  "client_credentials",
  PASSWORD_REALM,
  MFA_OTP,
  MFA_RECOVERY_CODE,
] as const;
export const GrantType = literalUnion(GRANT_TYPES);
export type GrantType = Static<typeof GrantType>;

/**
 * The grants a new client gets unless it names its own: those of the password exchange
 * (README, "Clients"). `client_credentials` is for machine-to-machine clients, which list it.
 */
export const DEFAULT_CLIENT_GRANT_TYPES: readonly GrantType[] = ["password", "refresh_token"];
