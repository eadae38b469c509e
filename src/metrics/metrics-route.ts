import { Elysia } from "elysia";
import type { Deps } from "../deps.ts";
import { bearerToken } from "../http/bearer-token.ts";
import { noStoreJson } from "../http/no-store.ts";
import { constantTimeEqual } from "../security/constant-time-equal.ts";

/** Whether the request may read the metrics: anyone without `METRICS_TOKEN`, else its bearer. */
function mayScrape(deps: Deps, request: Request): boolean {
  const expected = deps.config.metricsToken;
  if (expected === undefined) return true;
  const presented = bearerToken(request.headers.get("authorization") ?? "");
  return presented !== undefined && constantTimeEqual(presented, expected);
}

/**
 * `GET /metrics`: this node's metrics in Prometheus's text exposition format, behind
 * `METRICS_TOKEN` (RFC 6750 §2.1 bearer credentials) when it is set.
 */
export function metricsRoute(deps: Deps) {
  return new Elysia({ name: "metrics" }).get("/metrics", async ({ request }) => {
    if (!mayScrape(deps, request)) {
      // RFC 6750 §3: a missing or wrong token is a 401 with a Bearer challenge.
      return noStoreJson(
        { error: "invalid_token", error_description: "A valid metrics token is required." },
        401,
        {
          "www-authenticate": 'Bearer realm="metrics"',
        },
      );
    }
    const { registry } = deps.metrics;
    return new Response(await registry.metrics(), {
      headers: { "content-type": registry.contentType, "cache-control": "no-store" },
    });
  });
}
