/**
 * Rulegate's one database connection, under Auth0's default name and with a fixed id, so that
 * `connection`, `connection_id` and `identities[]` read as they do in Auth0.
 */
export const DATABASE_CONNECTION = "Username-Password-Authentication";
export const DATABASE_CONNECTION_ID = "con_rulegatedatabase";
/** Auth0's provider of database users: their ids are `auth0|<id>`. */
export const DATABASE_PROVIDER = "auth0";
