import { Buffer } from "node:buffer";

/** A URL-safe random string (base64url, no padding) with `bytes` bytes of entropy (default 32, i.e. 256 bits). */
export function randomSecret(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}
