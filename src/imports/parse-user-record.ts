import { containsNul } from "../http/nul.ts";
import { USER_METADATA_BYTES } from "../model/metadata-limits.ts";
import { isValidImportedHash } from "../security/imported-hashes.ts";
import { fromPasswordHashExport, isPasswordHashExport } from "./from-password-hash-export.ts";
import type { RecordError } from "./record-error.ts";

export type { RecordError } from "./record-error.ts";

/** A record that can be imported. */
export interface ImportedUser {
  userId?: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  nickname?: string;
  picture?: string;
  blocked?: boolean;
  userMetadata?: Record<string, unknown>;
  appMetadata?: Record<string, unknown>;
  /** The stored form (see src/security/imported-hashes.ts), when the record has a password. */
  passwordHash?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const KNOWN = new Set([
  "email",
  "email_verified",
  "user_id",
  "given_name",
  "family_name",
  "name",
  "nickname",
  "picture",
  "blocked",
  "user_metadata",
  "app_metadata",
  "password_hash",
  "custom_password_hash",
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function decode(value: string, encoding: unknown): Buffer | undefined {
  const kind = encoding ?? "hex";
  if (kind === "hex" && /^([0-9a-fA-F]{2})*$/.test(value)) return Buffer.from(value, "hex");
  if (kind === "base64" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return Buffer.from(value, "base64");
  if (kind === "utf8") return Buffer.from(value, "utf8");
  return undefined;
}

/**
 * Auth0's `custom_password_hash` → the stored form: argon2, bcrypt and pbkdf2 are PHC
 * strings kept as they are; sha256/sha512 with an optional salt (prefix or suffix) become
 * `$rg-<alg>$<position>$<salt>$<hash>`.
 */
function customHash(custom: unknown): { hash?: string; error?: RecordError } {
  const invalid = (message: string) => ({
    error: { code: "INVALID_PASSWORD_HASH", message, path: "custom_password_hash" },
  });
  if (!isObject(custom) || typeof custom.algorithm !== "string" || !isObject(custom.hash)) {
    return invalid("custom_password_hash needs an algorithm and a hash {value, encoding}.");
  }
  const { algorithm } = custom;
  const value = custom.hash.value;
  if (typeof value !== "string" || value === "")
    return invalid("custom_password_hash.hash.value must be a string.");
  if (
    isObject(custom.password) &&
    custom.password.encoding !== undefined &&
    custom.password.encoding !== "utf8"
  ) {
    return invalid("Only utf8 password encoding is supported.");
  }
  switch (algorithm) {
    case "argon2":
      return /^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(value)
        ? { hash: value }
        : invalid("An argon2 hash must be a PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash).");
    case "bcrypt":
      return isValidImportedHash(value)
        ? { hash: value }
        : invalid("A bcrypt hash must be a $2a$, $2b$ or $2y$ string.");
    case "pbkdf2":
      return isValidImportedHash(value)
        ? { hash: value }
        : invalid("A pbkdf2 hash must be a PHC string ($pbkdf2-sha256$i=…,l=…$salt$hash).");
    case "sha256":
    case "sha512": {
      const digest = decode(value, custom.hash.encoding);
      const expected = algorithm === "sha256" ? 32 : 64;
      if (!digest || digest.length !== expected)
        return invalid(`A ${algorithm} hash must be ${expected} bytes (hex or base64).`);
      let salt: Buffer = Buffer.alloc(0);
      let position = "prefix";
      if (custom.salt !== undefined) {
        if (!isObject(custom.salt) || typeof custom.salt.value !== "string")
          return invalid("salt must be {value, encoding, position}.");
        const decoded = decode(custom.salt.value, custom.salt.encoding ?? "utf8");
        if (!decoded) return invalid("The salt does not match its encoding.");
        salt = decoded;
        position = custom.salt.position === undefined ? "prefix" : String(custom.salt.position);
        if (position !== "prefix" && position !== "suffix")
          return invalid("salt.position must be prefix or suffix.");
      }
      return { hash: `$rg-${algorithm}$${position}$${salt.toString("base64")}$${digest.toString("base64")}` };
    }
    default:
      return {
        error: {
          code: "UNSUPPORTED_HASH_ALGORITHM",
          path: "custom_password_hash.algorithm",
          message: `The ${String(algorithm).slice(0, 32)} algorithm is not supported: use argon2, bcrypt, pbkdf2, sha256 or sha512.`,
        },
      };
  }
}

/**
 * Validates one record of an Auth0 bulk-import file, or of the password-hash export Auth0
 * support delivers (see {@link fromPasswordHashExport}).
 * @returns the user to import, or every reason it cannot be
 */
export function parseUserRecord(input: unknown): { user: ImportedUser } | { errors: RecordError[] } {
  if (!isObject(input))
    return { errors: [{ code: "INVALID_FORMAT", message: "A record must be a JSON object." }] };
  // No string may hold a NUL character: PostgreSQL cannot store one (src/http/nul.ts).
  if (containsNul(input))
    return { errors: [{ code: "INVALID_FORMAT", message: "A record must not contain a NUL character." }] };
  const exported = isPasswordHashExport(input);
  const { record, errors }: { record: Record<string, unknown>; errors: RecordError[] } = exported
    ? fromPasswordHashExport(input)
    : { record: input, errors: [] };
  const text = (name: string, max: number) => {
    const value = record[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || value.length === 0 || value.length > max) {
      errors.push({
        code: "INVALID_FORMAT",
        message: `${name} must be a string of 1 to ${max} characters.`,
        path: name,
      });
      return undefined;
    }
    return value;
  };
  for (const key of Object.keys(record)) {
    if (!KNOWN.has(key))
      errors.push({
        code: "INVALID_FORMAT",
        message: `Unknown property ${key.slice(0, 64)}.`,
        path: key.slice(0, 64),
      });
  }
  const email = text("email", 320);
  if (email === undefined || !EMAIL.test(email))
    errors.push({
      code: "INVALID_FORMAT",
      message: "email is required and must be an email address.",
      path: "email",
    });
  for (const name of ["email_verified", "blocked"]) {
    if (record[name] !== undefined && typeof record[name] !== "boolean") {
      errors.push({ code: "INVALID_FORMAT", message: `${name} must be a boolean.`, path: name });
    }
  }
  for (const name of ["user_metadata", "app_metadata"]) {
    const value = record[name];
    if (value === undefined) continue;
    if (!isObject(value))
      errors.push({ code: "INVALID_FORMAT", message: `${name} must be an object.`, path: name });
    else if (JSON.stringify(value).length > USER_METADATA_BYTES)
      errors.push({
        code: "INVALID_FORMAT",
        message: `${name} must not exceed ${USER_METADATA_BYTES / 1024} KiB.`,
        path: name,
      });
  }
  let passwordHash: string | undefined;
  if (record.password_hash !== undefined && record.custom_password_hash !== undefined) {
    errors.push({
      code: "INVALID_FORMAT",
      message: "Give password_hash or custom_password_hash, not both.",
      path: "custom_password_hash",
    });
  } else if (record.password_hash !== undefined) {
    if (
      typeof record.password_hash === "string" &&
      isValidImportedHash(record.password_hash) &&
      record.password_hash.startsWith("$2")
    ) {
      passwordHash = record.password_hash;
    } else {
      errors.push({
        code: "INVALID_PASSWORD_HASH",
        message: `${exported ? "passwordHash" : "password_hash"} must be a bcrypt hash ($2a$, $2b$ or $2y$).`,
        path: exported ? "passwordHash" : "password_hash",
      });
    }
  } else if (record.custom_password_hash !== undefined) {
    const { hash, error } = customHash(record.custom_password_hash);
    if (error) errors.push(error);
    passwordHash = hash;
  }
  const user: ImportedUser = {
    userId: text("user_id", 255),
    email: email ?? "",
    emailVerified: record.email_verified as boolean | undefined,
    name: text("name", 300),
    givenName: text("given_name", 150),
    familyName: text("family_name", 150),
    nickname: text("nickname", 300),
    picture: text("picture", 2048),
    blocked: record.blocked as boolean | undefined,
    userMetadata: record.user_metadata as Record<string, unknown> | undefined,
    appMetadata: record.app_metadata as Record<string, unknown> | undefined,
    passwordHash,
  };
  return errors.length > 0 ? { errors } : { user };
}
