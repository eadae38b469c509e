import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { HUGE_PAGES_SETTING, hugePagesOff } from "../../src/security/password-hasher.ts";

test("transparent huge pages count as off only when the setting in force is never", () => {
  expect(hugePagesOff("always [madvise] never\n")).toBe(false);
  expect(hugePagesOff("[always] madvise never\n")).toBe(false);
  expect(hugePagesOff("always madvise [never]\n")).toBe(true);
  expect(hugePagesOff("")).toBe(false);
});

test("the start-up check reads this machine's setting (and says nothing where there is none)", () => {
  const expected = existsSync(HUGE_PAGES_SETTING)
    ? readFileSync(HUGE_PAGES_SETTING, "utf8").includes("[never]")
    : false;
  expect(hugePagesOff()).toBe(expected);
});
