import { describe, expect, test } from "vitest";
import {
  compareDecimals,
  currencyName,
  currencyText,
  formatDecimal,
  formatTokenAmount,
  leadingDigitPosition,
  parseTokenAmount,
  plainDecimal,
  significantDigits,
  sumDecimals,
  transferFeePercent,
  transferFeeText,
} from "./tokens";

describe("token amounts as people type them: the service's rules", () => {
  test.each([
    "1",
    "0.01",
    "123456789012345",
    "1.00000000000000",
    "9999999999.99999",
    "0.5",
    "2500.75",
  ])("%s is accepted as it is written", (text) => {
    expect(parseTokenAmount(text, "USD")).toEqual({ ok: true, value: text });
  });

  test("surrounding spaces are dropped, the value is sent without them", () => {
    expect(parseTokenAmount("  1500 ", "USD")).toEqual({ ok: true, value: "1500" });
  });

  test.each([
    ["", "Enter an amount in USD."],
    ["1,000", "Use a dot for decimals and no thousands separators."],
    ["0", "It must be greater than zero."],
    ["0.000", "It must be greater than zero."],
    ["-5", "plain decimal"],
    ["+5", "plain decimal"],
    ["1e2", "plain decimal"],
    ["1E2", "plain decimal"],
    ["abc", "plain decimal"],
    ["5.", "plain decimal"],
    [".5", "plain decimal"],
    ["05", "plain decimal"],
    ["1 000", "plain decimal"],
    ["NaN", "plain decimal"],
    ["Infinity", "plain decimal"],
    ["1234567890123456", "at most 15 significant digits; this has 16"],
    ["1.23456789012345678", "at most 15 significant digits; this has 18"],
    [`1${"0".repeat(96)}`, "outside the range"],
    [`0.${"0".repeat(81)}1`, "outside the range"],
  ])("%j is refused: %s", (text, why) => {
    const parsed = parseTokenAmount(text, "USD");
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.message).toContain(why);
  });

  test("the edges of the ledger's range are accepted", () => {
    expect(parseTokenAmount(`9${"0".repeat(95)}`, "USD").ok).toBe(true);
    expect(parseTokenAmount(`0.${"0".repeat(80)}1`, "USD").ok).toBe(true);
  });

  test("significant digits and the leading digit's place, as Decimal.normalize counts them", () => {
    expect(significantDigits("1500")).toBe(2);
    expect(significantDigits("0.0100")).toBe(1);
    expect(significantDigits("100.000000000001")).toBe(15);
    expect(leadingDigitPosition("1500")).toBe(3);
    expect(leadingDigitPosition("0.01")).toBe(-2);
  });
});

describe("exact decimal arithmetic on text", () => {
  test("sums are exact: no floating point", () => {
    expect(sumDecimals(["1250.5", "0.01"])).toBe("1250.51");
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
    expect(sumDecimals(["1500", "1250.5", "500.25", "0.01"])).toBe("3250.76");
    expect(sumDecimals(["999999999999999", "0.000000000000001"])).toBe(
      "999999999999999.000000000000001",
    );
    expect(sumDecimals([])).toBe("0");
  });

  test("the ledger's exponent form and trailing zeros become plain text", () => {
    expect(plainDecimal("2.50075e3")).toBe("2500.75");
    expect(plainDecimal("1e-3")).toBe("0.001");
    expect(plainDecimal("100.50")).toBe("100.5");
    expect(plainDecimal("1E2")).toBe("100");
    expect(plainDecimal("-0.5")).toBe("-0.5");
    expect(sumDecimals(["2.50075e3", "0.25"])).toBe("2501");
  });

  test("comparisons are exact", () => {
    expect(compareDecimals("100", "1e2")).toBe(0);
    expect(compareDecimals("100.0", "100")).toBe(0);
    expect(compareDecimals("100.000000000001", "100")).toBe(1);
    expect(compareDecimals("1498.5", "1500")).toBe(-1);
  });

  test("formatting groups the whole part only", () => {
    expect(formatDecimal("2500.75")).toBe("2,500.75");
    expect(formatDecimal("1234567.891234")).toBe("1,234,567.891234");
    expect(formatTokenAmount("1250.5", "USD")).toBe("1,250.5 USD");
  });

  test("something that is no number is refused, not guessed", () => {
    expect(() => plainDecimal("twelve")).toThrow();
    expect(() => sumDecimals(["1", ""])).toThrow();
  });
});

describe("currency codes", () => {
  test("a three-character code is itself", () => {
    expect(currencyText("USD")).toBe("USD");
  });

  test("a 40-digit code is decoded to its text, either case", () => {
    expect(currencyText("524C555344000000000000000000000000000000")).toBe("RLUSD");
    expect(currencyText("524c555344000000000000000000000000000000")).toBe("RLUSD");
    expect(formatTokenAmount("10", "524C555344000000000000000000000000000000")).toBe("10 RLUSD");
  });

  test("a 40-digit code that is not printable text stays the code", () => {
    const binary = `01${"FF".repeat(19)}`;
    expect(currencyText(binary)).toBeNull();
    expect(currencyName(binary)).toBe(binary);
    expect(currencyText("0".repeat(40))).toBeNull();
  });
});

describe("the issuer's transfer fee", () => {
  test.each([
    [1_002_000_000, "0.2%"],
    [1_010_000_000, "1%"],
    [1_000_000_001, "0.0000001%"],
    [1_250_000_000, "25%"],
    [2_000_000_000, "100%"],
    [1_001_234_567, "0.1234567%"],
  ])("TransferRate %i is %s, exactly", (rate, percent) => {
    expect(transferFeePercent(rate)).toBe(percent);
  });

  test("no fee, and not read yet", () => {
    expect(transferFeeText(1_000_000_000)).toBe("no fee");
    expect(transferFeeText(0)).toBe("no fee");
    expect(transferFeeText(null)).toBe("not read yet");
    expect(transferFeeText(1_002_000_000)).toBe("0.2%");
  });
});
