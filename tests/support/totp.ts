import { createHmac } from "node:crypto";

/**
 * RFC 6238 TOTP written from the RFC for the tests, independent of the server's library:
 * RFC 4226 §5.3 dynamic truncation of HMAC-SHA-1 over the 8-byte time step.
 */
export function hotp(key: Uint8Array, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, "0");
}

/** RFC 6238 §4: the code of the 30-second step `at` falls in (T0 = 0). */
export const totp = (key: Uint8Array, at: Date, digits = 6): string =>
  hotp(key, Math.floor(at.getTime() / 1000 / 30), digits);

/** RFC 4648 §6 base32 (the secret's form in an `otpauth://` URI), padding optional. */
export function base32Decode(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}
