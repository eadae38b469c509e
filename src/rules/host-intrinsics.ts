/**
 * Helpers the rule host's own modules (sandbox.ts, web-host.ts) share, captured when this
 * module is evaluated, before any rule code exists.
 */

/** `method` bound as a function of its receiver, so no later change to a prototype reaches it. */
export const call = <T>(method: (...args: never[]) => T) =>
  Function.prototype.call.bind(method) as (...args: unknown[]) => T;

/** Whether `value` is an object or a function (a value with properties a getter could sit on). */
export const isObject = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";

/** An error's name and message as primitives; anything unreadable says "Error", "failed". */
export function errorParts(error: unknown): [string, string] {
  try {
    const { name, message } = error as Error;
    return [typeof name === "string" ? name : "Error", typeof message === "string" ? message : "failed"];
  } catch {
    return ["Error", "failed"];
  }
}
