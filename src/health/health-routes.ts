import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { noStoreJson } from "../http/no-store.ts";
import { createReadinessCheck } from "./readiness.ts";

/**
 * `GET /health/live` (the process answers) and `GET /health/ready` (it can serve: 200, or 503
 * naming the failing checks), for load balancers and Kubernetes probes. Neither needs a key,
 * neither is a log event, neither touches more than one cheap query.
 */
export function healthRoutes(deps: Deps) {
  const readiness = createReadinessCheck(deps);
  return new Elysia({ name: "health" })
    .get("/health/live", () => noStoreJson({ status: "ok" }))
    .get("/health/ready", async () => {
      const { ready, checks } = await readiness();
      return noStoreJson({ status: ready ? "ok" : "unavailable", checks }, ready ? 200 : 503);
    });
}
