import { type Static, Type as t } from "@sinclair/typebox";
import { literalUnion } from "./literal-union.ts";

/** Auth0's password strength levels of a database connection (`options.passwordPolicy`). */
export const PASSWORD_POLICIES = ["none", "low", "fair", "good", "excellent"] as const;
export type PasswordPolicyName = (typeof PASSWORD_POLICIES)[number];

/** Auth0 keeps at most 24 earlier passwords for `password_history`. */
export const MAX_PASSWORD_HISTORY = 24;

/**
 * The options of the database connection Rulegate acts on, in Auth0's field names
 * (Auth0's Management API, "Update a connection"; "Password Strength in Auth0 Database
 * Connections"). Other options an export carries are kept and echoed.
 */
export const ConnectionOptions = t.Object(
  {
    passwordPolicy: t.Optional(t.Union([literalUnion(PASSWORD_POLICIES), t.Null()])),
    password_complexity_options: t.Optional(
      t.Object(
        { min_length: t.Optional(t.Integer({ minimum: 1, maximum: 128 })) },
        { additionalProperties: true },
      ),
    ),
    password_history: t.Optional(
      t.Object(
        {
          enable: t.Optional(t.Boolean()),
          size: t.Optional(t.Integer({ minimum: 1, maximum: MAX_PASSWORD_HISTORY })),
        },
        { additionalProperties: true },
      ),
    ),
    password_dictionary: t.Optional(
      t.Object(
        {
          enable: t.Optional(t.Boolean()),
          dictionary: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 50 }), { maxItems: 2000 })),
        },
        { additionalProperties: true },
      ),
    ),
    password_no_personal_info: t.Optional(
      t.Object({ enable: t.Optional(t.Boolean()) }, { additionalProperties: true }),
    ),
    disable_signup: t.Optional(t.Boolean()),
    brute_force_protection: t.Optional(t.Boolean()),
  },
  { additionalProperties: true },
);
export type ConnectionOptions = Static<typeof ConnectionOptions>;

/**
 * A connection whose options were never set: today's rule of at least 8 characters (Auth0's
 * `low` level with a minimum length of 8), so passwords that were valid stay valid; Auth0's
 * dashboard starts new connections at `good`, which an operator sets with one PATCH.
 */
export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  passwordPolicy: "low",
  password_complexity_options: { min_length: 8 },
};

/** What the password checks read of the options. */
export interface PasswordRules {
  policy: PasswordPolicyName;
  minLength?: number;
  /** How many earlier passwords (the current one among them) may not be set again; 0 for none. */
  history: number;
  /** Whether the shipped list of common passwords and `dictionary` are refused. */
  dictionary: boolean;
  extraWords: readonly string[];
  noPersonalInfo: boolean;
}

/**
 * The password rules of a connection's stored options. Options without a `passwordPolicy` (never
 * set, or set without one: `{"disable_signup": true}`) keep the default level and its minimum
 * length unless they give one; `"passwordPolicy": null` is Auth0's "none".
 */
export function passwordRulesOf(options: ConnectionOptions): PasswordRules {
  const level = options.passwordPolicy === undefined ? DEFAULT_CONNECTION_OPTIONS : options;
  return {
    policy: level.passwordPolicy ?? "none",
    minLength:
      options.password_complexity_options?.min_length ?? level.password_complexity_options?.min_length,
    history: options.password_history?.enable ? (options.password_history.size ?? 5) : 0,
    dictionary: options.password_dictionary?.enable === true,
    extraWords: options.password_dictionary?.dictionary ?? [],
    noPersonalInfo: options.password_no_personal_info?.enable === true,
  };
}
