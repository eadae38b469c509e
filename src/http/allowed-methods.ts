import { pathPattern } from "./path-pattern.ts";

/** What an app's route table says about one route (Elysia's `app.routes`). */
export interface RouteEntry {
  method: string;
  path: string;
}

/**
 * The methods the routes have for `pathname`, for a 405's `Allow` header (RFC 9110 §10.2.1,
 * §15.5.6); HEAD with GET, as RFC 9110 §9.3.2 wants.
 * @returns the methods, sorted; empty when no route has the path
 */
export function allowedMethods(routes: readonly RouteEntry[], pathname: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL" || !pathPattern(route.path).test(pathname)) continue;
    methods.add(route.method.toUpperCase());
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
