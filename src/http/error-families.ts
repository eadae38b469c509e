import type { AnyElysia } from "elysia";
import type { ErrorFamily } from "./error-family.ts";
import { pathPattern } from "./path-pattern.ts";

/** Which family the errors of an app's routes belong to, declared where each group is mounted. */
export interface ErrorFamilies {
  /**
   * Declares that every route of `routes` (one plugin, or several mounted in a row) answers
   * its errors in `family`; returns `routes` unchanged, to be mounted as they were.
   */
  declare<const Routes extends AnyElysia | AnyElysia[]>(family: ErrorFamily, routes: Routes): Routes;
  /**
   * The family of the routes at `pathname`, whatever their method (a 405 answers in the
   * family of the path's routes); the fallback for a path no group declared.
   */
  at(pathname: string): ErrorFamily;
}

/**
 * A new table of error families, `fallback` the family of every route no group declared. A
 * path finds its routes as Elysia's router does, with or without one trailing slash
 * (Elysia's loose paths), so a request's error takes its route group's shape.
 */
export function errorFamilies(fallback: ErrorFamily): ErrorFamilies {
  const declared: { pattern: RegExp; family: ErrorFamily }[] = [];
  return {
    declare(family, routes) {
      for (const plugin of Array.isArray(routes) ? routes : [routes]) {
        for (const route of plugin.routes) declared.push({ pattern: pathPattern(route.path), family });
      }
      return routes;
    },
    at(pathname) {
      const loose = pathname.endsWith("/") ? pathname.slice(0, -1) : `${pathname}/`;
      const found = declared.find(({ pattern }) => pattern.test(pathname) || pattern.test(loose));
      return found?.family ?? fallback;
    },
  };
}
