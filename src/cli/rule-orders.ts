/** The largest order a rule can have: the API's limit (a PostgreSQL `integer`). */
export const MAX_RULE_ORDER = 2_147_483_647;

/** One rule as far as its order goes. */
export interface OrderedRule {
  id: string;
  name: string;
  order: number;
}

/** One `PATCH {order}`: a rule parked on a free order on its way, or put on its final one. */
export interface OrderPatch {
  id: string;
  name: string;
  order: number;
  parked: boolean;
}

/**
 * `count` orders that none of `taken` is: right after the highest, or, when that would pass
 * {@link MAX_RULE_ORDER}, the lowest gaps.
 */
export function freeOrders(taken: Iterable<number>, count: number): number[] {
  const used = new Set(taken);
  const highest = Math.max(-1, ...used);
  if (highest + count <= MAX_RULE_ORDER)
    return Array.from({ length: count }, (_, index) => highest + 1 + index);
  const free: number[] = [];
  for (let order = 0; free.length < count && order <= MAX_RULE_ORDER; order++) {
    if (!used.has(order)) free.push(order);
  }
  if (free.length < count) throw new Error("no free rule order is left");
  return free;
}

/**
 * The PATCHes that give rules new orders without ever asking for an order another rule
 * still holds (the API refuses that with Auth0's 409 `rule_conflict`): first every moving
 * rule that sits on an order some other rule is to take is parked on a free order, then each
 * moving rule goes to its final order. Rules to be created afterwards name their orders in
 * `reserved`, so that those are vacated too.
 * @param rules every rule on the server, as it is now
 * @param finals the new order of each rule that moves (a rule absent or at its own order stays)
 * @throws Error when two rules would end on one order, or a rule that stays holds an order asked for
 */
export function orderPatches(
  rules: readonly OrderedRule[],
  finals: ReadonlyMap<string, number>,
  reserved: readonly number[] = [],
): OrderPatch[] {
  const moving = rules.filter((rule) => finals.has(rule.id) && finals.get(rule.id) !== rule.order);
  const targets = [...moving.map((rule) => finals.get(rule.id)!), ...reserved];
  const wanted = new Set(targets);
  if (wanted.size !== targets.length) throw new Error("two rules cannot take the same order");
  const staying = rules.filter((rule) => !moving.includes(rule));
  const blocker = staying.find((rule) => wanted.has(rule.order));
  if (blocker)
    throw new Error(`the order ${blocker.order} is held by "${blocker.name}", which does not move`);
  const inTheWay = moving.filter((rule) => wanted.has(rule.order));
  const parking = freeOrders([...rules.map((rule) => rule.order), ...targets], inTheWay.length);
  return [
    ...inTheWay.map((rule, index) => ({
      id: rule.id,
      name: rule.name,
      order: parking[index]!,
      parked: true,
    })),
    ...moving
      .map((rule) => ({ id: rule.id, name: rule.name, order: finals.get(rule.id)!, parked: false }))
      .sort((a, b) => a.order - b.order),
  ];
}
