import { api } from "./api.ts";

/** An Auth0 rule as `/api/v2/rules` answers it (Auth0 Management API v2, Rules). */
export interface Auth0Rule {
  id: string;
  name: string;
  script: string;
  order: number;
  enabled: boolean;
  stage: string;
}

/** What a new rule's editor starts with: Auth0's rule that changes nothing. */
export const RULE_TEMPLATE = `function (user, context, callback) {
  callback(null, user, context);
}
`;

/** The largest order the server accepts (a PostgreSQL `integer`). */
const MAX_ORDER = 2_147_483_647;
const PER_PAGE = 100;

/** The path of one rule. */
export const rulePath = (id: string) => `/rules/${encodeURIComponent(id)}`;

/** Every rule, lowest order (first to run) first. */
export async function listAuth0Rules(): Promise<Auth0Rule[]> {
  const rules: Auth0Rule[] = [];
  for (let page = 0; ; page++) {
    const batch = await api<Auth0Rule[]>("GET", `/rules?per_page=${PER_PAGE}&page=${page}`);
    rules.push(...batch);
    if (batch.length < PER_PAGE) break;
  }
  return rules.sort((a, b) => a.order - b.order);
}

/** An order no rule has: one past the last, or the first gap when the last is the largest allowed. */
export function freeOrder(rules: readonly Auth0Rule[]): number {
  const used = new Set(rules.map((rule) => rule.order));
  const last = Math.max(-1, ...used);
  if (last < MAX_ORDER) return last + 1;
  let order = 0;
  while (used.has(order)) order++;
  return order;
}

const setOrder = (rule: Auth0Rule, order: number) => api<Auth0Rule>("PATCH", rulePath(rule.id), { order });

/**
 * Swaps two rules' orders. Orders are unique (Auth0's 409 `rule_conflict`), so `first`
 * waits at a free order while `second` takes its place; if that fails, `first` goes back.
 */
export async function swapOrders(first: Auth0Rule, second: Auth0Rule, rules: readonly Auth0Rule[]) {
  await setOrder(first, freeOrder(rules));
  try {
    await setOrder(second, first.order);
  } catch (error) {
    await setOrder(first, first.order).catch(() => undefined);
    throw error;
  }
  await setOrder(first, second.order);
}
