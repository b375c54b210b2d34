/**
 * Issued-token amounts as exact decimal text. The service keeps them as exact decimals and the
 * ledger holds 15 significant digits, so nothing here ever becomes a JavaScript number: values
 * are digit strings, and sums are BigInt arithmetic on them scaled to a common number of places.
 *
 * The rules a promoter's amount must follow are the service's own (`core/tokens.py`): a plain
 * decimal (no sign, no exponent, no spaces, no leading zeros), greater than zero, at most 15
 * significant digits, its leading digit between 1e-81 and 1e95 (the ledger's range).
 */

import { groupDigits } from "./money";

export const SIGNIFICANT_DIGITS = 15;
/** Where the leading digit of the smallest and largest token value the ledger holds stands. */
export const LOWEST_LEADING_DIGIT = -81;
export const HIGHEST_LEADING_DIGIT = 95;

/** A TransferRate of 1000000000 (or none) charges nothing; 1% is 10000000 more. */
export const NO_TRANSFER_FEE = 1_000_000_000;
const RATE_UNITS_PER_PERCENT = 10_000_000n;
const RATE_PERCENT_PLACES = 7;

/** Plain decimal text as the service accepts it from people: "1500", "2500.75", "0.01". */
const PLAIN_DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
/** Decimal text as the ledger may write it: "2.50075e3", "-1.5", "100". */
const LEDGER_DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export type ParsedToken = { ok: true; value: string } | { ok: false; message: string };

/** An exact decimal: `digits` × 10^-`scale`, `negative` for a value below zero. */
interface Scaled {
  negative: boolean;
  digits: bigint;
  scale: number;
}

function trimZeros(whole: string, fraction: string): { whole: string; fraction: string } {
  return { whole: whole.replace(/^0+/, "") || "0", fraction: fraction.replace(/0+$/, "") };
}

/** The significant digits of a plain decimal: no leading or trailing zeros (as Decimal.normalize). */
export function significantDigits(text: string): number {
  const digits = text.replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return digits.length;
}

/** The power of ten of the leading non-zero digit of a plain positive decimal. */
export function leadingDigitPosition(text: string): number {
  const [whole = "", fraction = ""] = text.split(".");
  const integer = whole.replace(/^0+/, "");
  if (integer) return integer.length - 1;
  const firstNonZero = fraction.search(/[1-9]/);
  return -(firstNonZero + 1);
}

/**
 * A token amount as a person typed it, checked with the service's rules. Surrounding spaces are
 * dropped (they are never part of a number); any other deviation is explained in words.
 */
export function parseTokenAmount(text: string, unit: string): ParsedToken {
  const value = text.trim();
  if (value === "") return { ok: false, message: `Enter an amount in ${unit}.` };
  if (value.includes(",")) {
    return { ok: false, message: "Use a dot for decimals and no thousands separators." };
  }
  if (!PLAIN_DECIMAL.test(value)) {
    return {
      ok: false,
      message:
        "Write a plain decimal such as 1500 or 2500.75: digits and one dot, no sign, no exponent, no spaces, no leading zeros.",
    };
  }
  const count = significantDigits(value);
  if (count === 0) return { ok: false, message: "It must be greater than zero." };
  if (count > SIGNIFICANT_DIGITS) {
    return {
      ok: false,
      message: `The ledger keeps at most ${SIGNIFICANT_DIGITS} significant digits; this has ${count}.`,
    };
  }
  const position = leadingDigitPosition(value);
  if (position < LOWEST_LEADING_DIGIT || position > HIGHEST_LEADING_DIGIT) {
    return { ok: false, message: "It is outside the range of token amounts the ledger holds." };
  }
  return { ok: true, value };
}

function scaledOf(text: string): Scaled {
  const match = LEDGER_DECIMAL.exec(text.trim());
  if (!match || (!match[2] && !match[3])) throw new Error(`not a decimal: ${text}`);
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = match;
  const shift = Number(exponent);
  if (!Number.isSafeInteger(shift) || Math.abs(shift) > 10_000) {
    throw new Error(`exponent out of range: ${text}`);
  }
  const digits = BigInt(`${whole}${fraction}` || "0");
  let scale = fraction.length - shift;
  let scaledDigits = digits;
  if (scale < 0) {
    scaledDigits = digits * 10n ** BigInt(-scale);
    scale = 0;
  }
  return { negative: sign === "-" && digits !== 0n, digits: scaledDigits, scale };
}

function textOf({ negative, digits, scale }: Scaled): string {
  const padded = digits.toString().padStart(scale + 1, "0");
  const { whole, fraction } = trimZeros(
    padded.slice(0, padded.length - scale),
    scale ? padded.slice(-scale) : "",
  );
  const plain = fraction ? `${whole}.${fraction}` : whole;
  return negative && plain !== "0" ? `-${plain}` : plain;
}

function signed(value: Scaled, scale: number): bigint {
  const digits = value.digits * 10n ** BigInt(scale - value.scale);
  return value.negative ? -digits : digits;
}

/** A decimal the ledger or the service wrote ("2.50075e3", "100.50") as plain text ("2500.75"). */
export function plainDecimal(text: string): string {
  return textOf(scaledOf(text));
}

/** The exact sum of decimal texts: "1250.5" + "0.01" = "1250.51". */
export function sumDecimals(values: string[]): string {
  const parsed = values.map(scaledOf);
  const scale = Math.max(0, ...parsed.map((value) => value.scale));
  const total = parsed.reduce((sum, value) => sum + signed(value, scale), 0n);
  return textOf({ negative: total < 0n, digits: total < 0n ? -total : total, scale });
}

/** -1, 0 or 1 as `left` is below, equal to or above `right`, exactly. */
export function compareDecimals(left: string, right: string): number {
  const a = scaledOf(left);
  const b = scaledOf(right);
  const scale = Math.max(a.scale, b.scale);
  const difference = signed(a, scale) - signed(b, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/** "2500.75" → "2,500.75" (plain form, whole part grouped). */
export function formatDecimal(text: string): string {
  return groupDigits(plainDecimal(text));
}

/**
 * A currency code as people read it: a three-character code as it is; a 40-digit code decoded
 * to its text (its bytes, less the zero padding at the end) when that is printable ASCII; null
 * for anything else, which is then shown as the code itself.
 */
export function currencyText(code: string): string | null {
  if (code.length !== 40) return code;
  if (!/^[0-9A-Fa-f]{40}$/.test(code)) return null;
  const bytes = (code.match(/../g) ?? []).map((pair) => Number.parseInt(pair, 16));
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes.pop();
  if (bytes.length === 0 || bytes.some((byte) => byte < 0x20 || byte > 0x7e)) return null;
  return String.fromCharCode(...bytes);
}

/** The name of a currency for amounts: its text, or the raw code when it has none. */
export function currencyName(code: string): string {
  return currencyText(code) ?? code;
}

/** A token amount in words: "1,250.5 USD". */
export function formatTokenAmount(value: string, currency: string): string {
  return `${formatDecimal(value)} ${currencyName(currency)}`;
}

/**
 * The issuer's transfer fee as a percentage, exactly: (rate − 1e9) / 1e7 %; "0.2%" for
 * 1002000000. null for no fee (a rate of 1e9, or 0 as the ledger writes "none").
 */
export function transferFeePercent(rate: number): string | null {
  if (!Number.isSafeInteger(rate) || rate < 0) throw new Error(`not a transfer rate: ${rate}`);
  if (rate === 0 || rate <= NO_TRANSFER_FEE) return null;
  const units = BigInt(rate) - BigInt(NO_TRANSFER_FEE);
  const whole = units / RATE_UNITS_PER_PERCENT;
  const rest = (units % RATE_UNITS_PER_PERCENT).toString().padStart(RATE_PERCENT_PLACES, "0");
  const fraction = rest.replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""}%`;
}

/** What the bout view says of the fee: "not read yet", "no fee" or "0.2%". */
export function transferFeeText(rate: number | null): string {
  if (rate === null) return "not read yet";
  return transferFeePercent(rate) ?? "no fee";
}
