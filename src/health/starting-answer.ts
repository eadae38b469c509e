import { noStoreJson } from "../http/no-store.ts";
import { temporarilyUnavailable } from "../management/api-error.ts";
import { TemporarilyUnavailable } from "../oauth/errors.ts";

/** How long a client is asked to wait while the node starts. */
const STARTING_RETRY_AFTER_SECONDS = 2;
const STARTING = "The server is starting; retry shortly.";

/**
 * The answer of a node that listens but is not ready yet (opening or migrating its database,
 * or waiting for another node's migration lock): `/health/live` says the process is alive, so
 * a liveness probe lets it finish starting; `/health/ready` and every other request answer 503,
 * so no traffic is routed to it yet.
 */
export function startingAnswer(request: Request): Response {
  const path = new URL(request.url).pathname;
  if (path === "/health/live") return noStoreJson({ status: "ok" });
  if (path === "/health/ready")
    return noStoreJson({ status: "unavailable", checks: { startup: "starting" } }, 503);
  const error = path.startsWith("/api/v2")
    ? temporarilyUnavailable(STARTING, STARTING_RETRY_AFTER_SECONDS)
    : new TemporarilyUnavailable(STARTING, STARTING_RETRY_AFTER_SECONDS);
  return error.render();
}
