import { describe, expect, test } from "vitest";
import {
  dropsToJsonInteger,
  dropsToXrp,
  formatAmount,
  groupDigits,
  sumDrops,
  xrpToDrops,
} from "./money";

describe("xrpToDrops", () => {
  test.each([
    ["5", "5000000"],
    ["4.5", "4500000"],
    ["0.000001", "1"],
    [".5", "500000"],
    ["1.", "1000000"],
    ["  12.250000 ", "12250000"],
    ["007", "7000000"],
    ["0", "0"],
    ["100000000000", "100000000000000000"],
    ["1_000", "1000000000"],
  ])("%j XRP is %s drops", (text, drops) => {
    expect(xrpToDrops(text)).toEqual({ ok: true, drops });
  });

  test.each([
    ["", "Enter an amount in XRP."],
    ["1.0000001", "XRP has at most six decimal places (1 drop = 0.000001 XRP)."],
    ["1,5", "Use a dot for decimals, no commas."],
    ["-1", "Enter a positive number of XRP, like 12.5."],
    ["1e6", "Enter a positive number of XRP, like 12.5."],
    ["abc", "Enter a positive number of XRP, like 12.5."],
    ["1.2.3", "Enter a positive number of XRP, like 12.5."],
  ])("%j is refused", (text, message) => {
    expect(xrpToDrops(text)).toEqual({ ok: false, message });
  });

  test("never goes through floating point (0.1 + 0.2 stays exact)", () => {
    const a = xrpToDrops("0.1");
    const b = xrpToDrops("0.2");
    expect(a.ok && b.ok && sumDrops([a.drops, b.drops])).toBe("300000");
  });
});

describe("drops shown as XRP", () => {
  test.each([
    ["5000000", "5"],
    ["1", "0.000001"],
    ["1500000", "1.5"],
    ["12750001", "12.750001"],
    ["0", "0"],
    ["100000000000000000", "100000000000"],
  ])("%s drops is %s XRP", (drops, xrp) => {
    expect(dropsToXrp(drops)).toBe(xrp);
  });

  test("formatAmount shows both units with grouping", () => {
    expect(formatAmount(5_000_000)).toBe("5 XRP (5,000,000 drops)");
    expect(formatAmount("1")).toBe("0.000001 XRP (1 drop)");
    expect(formatAmount(1234567891)).toBe("1,234.567891 XRP (1,234,567,891 drops)");
  });

  test("groupDigits groups only the whole part", () => {
    expect(groupDigits("1234567.891011")).toBe("1,234,567.891011");
  });

  test("rejects text that is not whole drops", () => {
    expect(() => dropsToXrp("1.5")).toThrow();
  });
});

describe("dropsToJsonInteger", () => {
  test("keeps safe integers", () => {
    expect(dropsToJsonInteger("9007199254740991")).toBe(9007199254740991);
  });
  test("refuses what a JSON number cannot carry exactly", () => {
    expect(dropsToJsonInteger("9007199254740993")).toBeNull();
  });
});
