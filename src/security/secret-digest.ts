import { createHash } from "node:crypto";

/**
 * The stored form of a high-entropy server-generated secret (client secrets, the admin
 * key, later refresh tokens): SHA-256, hex. A slow hash adds nothing for 256-bit random
 * values and would cost every token request.
 */
export function secretDigest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
