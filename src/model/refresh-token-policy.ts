/**
 * Auth0's `refresh_token` object of a client (Management API v2, clients): rotation,
 * expiration and lifetimes in seconds. `leeway` has its own column (`refreshTokenLeeway`).
 */
export interface ClientRefreshTokenSettings {
  rotation_type?: "rotating" | "non-rotating";
  expiration_type?: "expiring" | "non-expiring";
  token_lifetime?: number;
  idle_token_lifetime?: number;
  infinite_token_lifetime?: boolean;
  infinite_idle_token_lifetime?: boolean;
}

/** What a client's refresh tokens for one API do: rotate or not, and how long they live. */
export interface RefreshTokenPolicy {
  /** Whether redeeming a refresh token replaces it with a new one (README, "Refresh tokens…"). */
  rotating: boolean;
  /** Seconds from the exchange until the token dies, or `null` for never. */
  absoluteLifetime: number | null;
  /** Seconds a token may go unused, or `null` for ever. */
  idleLifetime: number | null;
}

/** What the policy reads of a client: its Auth0 fields beyond the columns (`extras`). */
export interface RefreshTokenClient {
  extras: object;
}

/** What the policy reads of an API: its refresh-token lifetimes in seconds. */
export interface RefreshTokenApi {
  refreshTokenLifetime: number;
  refreshTokenIdleLifetime: number;
}

/** A date that stands for "never" in the refresh-token store's expiry columns. */
export const NEVER = new Date(Date.UTC(9999, 11, 31));

/** The client's `refresh_token` settings, as stored with its Auth0 fields. */
export function clientRefreshTokenSettings(client: RefreshTokenClient): ClientRefreshTokenSettings {
  const settings = (client.extras as { refresh_token?: unknown }).refresh_token;
  return typeof settings === "object" && settings !== null ? (settings as ClientRefreshTokenSettings) : {};
}

/**
 * The client's refresh-token policy for an API, Auth0's way: `rotation_type` (rotating
 * unless the client says `non-rotating`), and lifetimes that the client's own settings
 * override over the API's (`non-expiring`, or an `infinite_*` flag, means none).
 */
export function refreshTokenPolicy(client: RefreshTokenClient, api: RefreshTokenApi): RefreshTokenPolicy {
  const settings = clientRefreshTokenSettings(client);
  const nonExpiring = settings.expiration_type === "non-expiring";
  return {
    rotating: settings.rotation_type !== "non-rotating",
    absoluteLifetime:
      nonExpiring || settings.infinite_token_lifetime === true
        ? null
        : (settings.token_lifetime ?? api.refreshTokenLifetime),
    idleLifetime:
      nonExpiring || settings.infinite_idle_token_lifetime === true
        ? null
        : (settings.idle_token_lifetime ?? api.refreshTokenIdleLifetime),
  };
}

/** When a lifetime that starts at `from` ends (`null`: never). */
export const expiryAfter = (from: Date, lifetime: number | null): Date =>
  lifetime === null ? NEVER : new Date(from.getTime() + lifetime * 1000);
