/** Access token lifetime unless an API sets one: one day, Auth0's default. */
export const DEFAULT_TOKEN_LIFETIME = 86_400;
/** Auth0 allows access token lifetimes up to 30 days. */
export const MAX_TOKEN_LIFETIME = 2_592_000;
/**
 * Refresh token families live 30 days at most, and 15 days unused, unless an API sets
 * otherwise (README, "Refresh tokens, ID tokens, userinfo, revocation"; Auth0's
 * absolute and inactivity lifetimes).
 */
export const DEFAULT_REFRESH_TOKEN_LIFETIME = 2_592_000;
export const DEFAULT_REFRESH_TOKEN_IDLE_LIFETIME = 1_296_000;
/** Refresh token lifetimes may be set up to a year. */
export const MAX_REFRESH_TOKEN_LIFETIME = 31_536_000;
/** ID tokens live ten hours, Auth0's default. */
export const ID_TOKEN_LIFETIME = 36_000;
