/** A URL-safe random string with `bytes` bytes of entropy (default 32, i.e. 256 bits). */
export function randomSecret(bytes = 32): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...buffer))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
