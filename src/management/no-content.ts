import { NO_STORE } from "../http/no-store.ts";

/**
 * 204 No Content with a null body: a body on a null-body status is a TypeError in
 * Deno's Response (and Elysia would add one for `set.status = 204`).
 */
export const noContent = () => new Response(null, { status: 204, headers: NO_STORE });
