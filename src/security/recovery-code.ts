import { secretDigest } from "./secret-digest.ts";

/** Auth0's recovery codes: 24 characters; these are drawn from 32 that cannot be misread (no 0/O, 1/I). */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const LENGTH = 24;

/** A new recovery code: 24 characters of 5 random bits each (120 bits). */
export function newRecoveryCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(LENGTH));
  return Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join("");
}

/** The stored form of a recovery code: the SHA-256 of the code as typed, upper-cased, spaces and dashes left out. */
export const recoveryCodeDigest = (code: string): string =>
  secretDigest(code.toUpperCase().replace(/[\s-]/g, ""));
