import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares two secrets in constant time, so a guess learns nothing from how long the
 * comparison took. Both sides are hashed first so
 * that neither the content nor the length of the expected value leaks through timing.
 */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
