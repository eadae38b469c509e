import { t } from "elysia";

/** user_metadata / app_metadata: a JSON object (Auth0 caps it at 16 KiB; so do we, on the request body). */
export const Metadata = t.Record(t.String({ maxLength: 255 }), t.Unknown());

/**
 * Auth0's PATCH semantics for metadata: top-level properties are merged, and a property
 * set to `null` is removed.
 */
export function mergeMetadata(
  current: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
