import { createHash, pbkdf2, timingSafeEqual } from "node:crypto";
import { verify as bcryptVerify } from "@node-rs/bcrypt";

/**
 * Password hashes brought in by a user import (Auth0's bulk-import formats), verified until
 * the user's first successful login re-hashes them with Rulegate's argon2id. Stored as:
 *  - bcrypt `$2a$` / `$2b$` / `$2y$` strings;
 *  - PBKDF2 as PHC strings `$pbkdf2-<sha1|sha256|sha512>$i=<iterations>,l=<bytes>$<salt>$<hash>`;
 *  - salted SHA-256/512 as `$rg-<sha256|sha512>$<prefix|suffix>$<salt>$<hash>` (base64).
 * argon2 PHC strings of any variant go to argon2 itself.
 */
export type ImportedHashKind = "bcrypt" | "pbkdf2" | "sha";

export function importedHashKind(stored: string): ImportedHashKind | undefined {
  if (/^\$2[aby]\$\d\d\$/.test(stored)) return "bcrypt";
  if (stored.startsWith("$pbkdf2-")) return "pbkdf2";
  if (stored.startsWith("$rg-sha")) return "sha";
  return undefined;
}

/** PHC strings use unpadded standard base64; Auth0's exports sometimes base64url. */
export function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

const equal = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

const PBKDF2 = /^\$pbkdf2-(sha1|sha256|sha512)\$i=(\d+),l=(\d+)\$([A-Za-z0-9+/._-]+)\$([A-Za-z0-9+/._-]+)$/;
const SHA = /^\$rg-(sha256|sha512)\$(prefix|suffix)\$([A-Za-z0-9+/=_-]*)\$([A-Za-z0-9+/=_-]+)$/;

/** True when `stored` is a well-formed imported hash of a kind this server verifies. */
export function isValidImportedHash(stored: string): boolean {
  const kind = importedHashKind(stored);
  if (kind === "bcrypt") return /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(stored);
  if (kind === "pbkdf2") {
    const match = PBKDF2.exec(stored);
    return (
      Boolean(match) && Number(match![2]) > 0 && Number(match![2]) <= 10_000_000 && Number(match![3]) <= 512
    );
  }
  if (kind === "sha") return SHA.test(stored);
  return false;
}

/** Verifies a password against an imported hash (false for a wrong password or a bad hash). */
export async function verifyImportedHash(stored: string, password: string): Promise<boolean> {
  const kind = importedHashKind(stored);
  try {
    if (kind === "bcrypt") return await bcryptVerify(password, stored);
    if (kind === "pbkdf2") {
      const [, digest, iterations, length, salt, hash] = PBKDF2.exec(stored)!;
      const derived = await new Promise<Buffer>((resolve, reject) =>
        pbkdf2(password, decodeBase64(salt!), Number(iterations), Number(length), digest!, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      );
      return equal(derived, decodeBase64(hash!));
    }
    if (kind === "sha") {
      const [, digest, position, salt, hash] = SHA.exec(stored)!;
      const saltBytes = decodeBase64(salt!);
      const passwordBytes = Buffer.from(password, "utf8");
      const input =
        position === "prefix"
          ? Buffer.concat([saltBytes, passwordBytes])
          : Buffer.concat([passwordBytes, saltBytes]);
      return equal(createHash(digest!).update(input).digest(), decodeBase64(hash!));
    }
  } catch {
    return false;
  }
  return false;
}
