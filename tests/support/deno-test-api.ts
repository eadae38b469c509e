/** describe/test/beforeAll/afterAll on top of Deno.test and test steps; Jest's expect. */
import { expect as jestExpect } from "expect";

type Fn = () => unknown;
interface TestContext {
  step(options: {
    name: string;
    fn: (context: TestContext) => unknown;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
  }): Promise<boolean>;
}
interface Group {
  name: string;
  before: Fn[];
  after: Fn[];
  items: Array<Group | { name: string; fn: Fn }>;
}
declare const Deno: {
  test(options: {
    name: string;
    fn: (context: TestContext) => unknown;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
    sanitizeExit: boolean;
  }): void;
};

let current: Group | undefined;

async function runGroup(group: Group, context: TestContext): Promise<void> {
  for (const hook of group.before) await hook();
  try {
    for (const item of group.items) {
      const fn = "items" in item ? (inner: TestContext) => runGroup(item, inner) : item.fn;
      await context.step({ name: item.name, fn, sanitizeOps: false, sanitizeResources: false });
    }
  } finally {
    for (const hook of group.after) await hook();
  }
}

export function describe(name: string, body: () => void): void {
  const group: Group = { name, before: [], after: [], items: [] };
  const parent = current;
  current = group;
  body();
  current = parent;
  if (parent) parent.items.push(group);
  else {
    Deno.test({
      name,
      fn: (context) => runGroup(group, context),
      sanitizeOps: false,
      sanitizeResources: false,
      sanitizeExit: false,
    });
  }
}

export function test(name: string, fn: Fn): void {
  if (!current) throw new Error("wrap the tests of a cross-runtime file in describe()");
  current.items.push({ name, fn });
}

export const beforeAll = (fn: Fn) => current?.before.push(fn);
export const afterAll = (fn: Fn) => current?.after.push(fn);
export const expect = jestExpect;
