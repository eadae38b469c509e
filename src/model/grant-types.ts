import type { Static } from "@sinclair/typebox";
import { literalUnion } from "./literal-union.ts";

/** The grants the token endpoint serves: RFC 6749 §4.3 (password) and §6 (refresh_token). */
export const GRANT_TYPES = ["password", "refresh_token"] as const;
export const GrantType = literalUnion(GRANT_TYPES);
export type GrantType = Static<typeof GrantType>;
