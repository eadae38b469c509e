import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** The AES-256-GCM key MFA secrets are sealed with: 32 bytes (README, "Multi-factor authentication"). */
export const MFA_KEY_BYTES = 32;

const VERSION = "v1";

/** A short public name of a key (the start of its SHA-256), so a sealed value says which key it needs. */
const keyId = (key: Uint8Array) => createHash("sha256").update(key).digest("hex").slice(0, 8);

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** Thrown when a sealed value cannot be opened: another key, or a changed value. */
export class SealedValueError extends Error {}

/**
 * Seals a secret with AES-256-GCM (NIST SP 800-38D): a random 96-bit IV per value, the
 * 128-bit tag, and `bound` (the row the value belongs to) as additional data, so a sealed
 * value copied onto another row does not open. The result names the key it was sealed with.
 */
export function sealSecret(key: Uint8Array, secret: string, bound: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(bound, "utf8"));
  const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [VERSION, keyId(key), base64url(iv), base64url(sealed), base64url(cipher.getAuthTag())].join(".");
}

/**
 * Opens a value {@link sealSecret} made with the same key and `bound`.
 * @throws SealedValueError for another key, another row or a changed value
 */
export function openSealed(key: Uint8Array, value: string, bound: string): string {
  const [version, kid, iv, sealed, tag] = value.split(".");
  if (version !== VERSION || iv === undefined || sealed === undefined || tag === undefined) {
    throw new SealedValueError("not a sealed value");
  }
  if (kid !== keyId(key)) throw new SealedValueError(`sealed with another key (${kid})`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(bound, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(sealed, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new SealedValueError("the sealed value does not verify");
  }
}

/**
 * Opens a sealed value with whichever of `keys` it names (a key replaced keeps opening what
 * it sealed while it is still given).
 * @throws SealedValueError when none of them is the key it names, or the value does not verify
 */
export function openSealedWithAny(keys: readonly Uint8Array[], value: string, bound: string): string {
  const needed = value.split(".")[1];
  const key = keys.find((candidate) => keyId(candidate) === needed);
  if (!key) {
    throw new SealedValueError(
      `sealed with key ${needed}; the keys given are ${keys.map(keyId).join(", ") || "none"}`,
    );
  }
  return openSealed(key, value, bound);
}

/** The key bytes of a base64url key (as the `MFA_SECRET_KEY` setting holds it). */
export const keyBytes = (key: string): Uint8Array => new Uint8Array(Buffer.from(key, "base64url"));

/** A new random key, in base64url. */
export const newMfaKey = (): string => base64url(randomBytes(MFA_KEY_BYTES));
