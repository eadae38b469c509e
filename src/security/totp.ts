import { Secret, TOTP } from "otpauth";

/**
 * RFC 6238 TOTP as Google Authenticator and Auth0 Guardian use it: HMAC-SHA-1, 6 digits,
 * 30-second steps, through the `otpauth` library.
 */
const PARAMETERS = { algorithm: "SHA1", digits: 6, period: 30 } as const;

/** Codes one step either side of now are accepted (RFC 6238 §5.2: clock drift and transmission delay). */
const WINDOW = 1;

/** A new TOTP secret: 160 random bits (RFC 4226 §4, R6), in base32 (RFC 4648 §6), as authenticator apps take it. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

/**
 * The `otpauth://totp/…` URI an authenticator app scans (Google Authenticator's Key Uri
 * Format): `issuer` and the user's `label`.
 */
export function totpUri(secret: string, issuer: string, label: string): string {
  return new TOTP({ ...PARAMETERS, issuer, label, secret: Secret.fromBase32(secret) }).toString();
}

/**
 * Checks a code against the secret at `now`, within one step either side, in constant time
 * (the library compares every candidate in full).
 * @returns the RFC 6238 time step (counter) the code belongs to, or undefined when it matches none
 */
export function totpStep(secret: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const totp = new TOTP({ ...PARAMETERS, secret: Secret.fromBase32(secret) });
  const timestamp = now.getTime();
  const delta = totp.validate({ token: code, timestamp, window: WINDOW });
  if (delta === null) return undefined;
  return totp.counter({ timestamp }) + delta;
}
