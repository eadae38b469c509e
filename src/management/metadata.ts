import { t } from "elysia";
import { badRequest } from "./api-error.ts";

/** user_metadata / app_metadata: a JSON object (Auth0 caps it at 16 KiB; so do we, on the request body). */
export const Metadata = t.Record(t.String({ maxLength: 255 }), t.Unknown());

/** Auth0 limits each metadata object to 16 KiB of JSON. */
export const METADATA_LIMIT = 16 * 1024;

/** @throws ApiError 400 when a metadata object is larger than {@link METADATA_LIMIT} */
export function assertMetadataSize(name: string, value: Record<string, unknown> | undefined): void {
  if (value !== undefined && JSON.stringify(value).length > METADATA_LIMIT) {
    throw badRequest(
      `Payload validation error: '${name} must not exceed ${METADATA_LIMIT} bytes' on property ${name}.`,
    );
  }
}

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
