/**
 * Auth0's metadata limits (Auth0's documentation on user metadata and on application
 * metadata): each user_metadata / app_metadata object at most 16 KiB of JSON, keys of at
 * most 255 characters; client_metadata at most 10 string properties of at most 255
 * characters.
 */
export const USER_METADATA_BYTES = 16 * 1024;
export const METADATA_KEY_LENGTH = 255;
export const CLIENT_METADATA_PROPERTIES = 10;
export const CLIENT_METADATA_VALUE_LENGTH = 255;
