import { t } from "elysia";
import { METADATA_KEY_LENGTH, USER_METADATA_BYTES } from "../model/metadata-limits.ts";
import { badRequest } from "./api-error.ts";

/** user_metadata / app_metadata: a JSON object (its size is checked by {@link assertMetadataSize}). */
export const Metadata = t.Record(t.String({ maxLength: METADATA_KEY_LENGTH }), t.Unknown());

/** @throws ApiError 400 when a metadata object is larger than Auth0's limit (src/model/metadata-limits.ts) */
export function assertMetadataSize(name: string, value: Record<string, unknown> | undefined): void {
  if (value !== undefined && JSON.stringify(value).length > USER_METADATA_BYTES) {
    throw badRequest(
      `Payload validation error: '${name} must not exceed ${USER_METADATA_BYTES} bytes' on property ${name}.`,
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
