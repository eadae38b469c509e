/** Keys whose values are credentials; a stored event never keeps them. */
const SECRET_KEYS =
  /^(password|client_secret|secret|secrets|authorization|access_token|refresh_token|id_token|token|cookie)$/i;

/**
 * Defence in depth for event details: events are built from known fields, but anything
 * passed as `details` is walked and credential-named values are replaced.
 */
export function redact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redact) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_KEYS.test(key) ? "[redacted]" : redact(inner),
      ]),
    ) as T;
  }
  return value;
}
