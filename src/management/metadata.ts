import { t } from "elysia";
import { METADATA_KEY_LENGTH, USER_METADATA_BYTES } from "../model/metadata-limits.ts";
import { badRequest } from "./api-error.ts";

/** user_metadata / app_metadata: a JSON object (its size is checked by {@link assertMetadataSize}). */
export const Metadata = t.Record(t.String({ maxLength: METADATA_KEY_LENGTH }), t.Unknown());

/** Auth0's 400 for a metadata object larger than its limit (src/model/metadata-limits.ts). */
export const metadataTooLarge = (name: string) =>
  badRequest(
    `Payload validation error: '${name} must not exceed ${USER_METADATA_BYTES} bytes' on property ${name}.`,
  );

/** @throws ApiError 400 when a metadata object is larger than Auth0's limit (src/model/metadata-limits.ts) */
export function assertMetadataSize(name: string, value: Record<string, unknown> | undefined): void {
  if (value !== undefined && JSON.stringify(value).length > USER_METADATA_BYTES) throw metadataTooLarge(name);
}
