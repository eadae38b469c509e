/**
 * Whether a request's strings hold a NUL character (U+0000): no OAuth parameter may (RFC 6749
 * Appendix A allows none in any value), and PostgreSQL cannot store one in text or JSON, so
 * it is refused with a 400 at the door, the same on both engines, rather than failing deep
 * inside a query.
 */
export function containsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === "object") {
    return Object.entries(value).some(([key, inner]) => key.includes("\u0000") || containsNul(inner));
  }
  return false;
}
