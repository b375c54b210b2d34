/**
 * XRP amounts as text and integer drops (1 XRP = 1,000,000 drops). Everything here works on
 * digit strings: a money value never passes through floating point.
 */

export const DROPS_PER_XRP_DIGITS = 6;

export type ParsedXrp = { ok: true; drops: string } | { ok: false; message: string };

const XRP_TEXT = /^(\d+)(?:\.(\d*))?$/;

function stripLeadingZeros(digits: string): string {
  const stripped = digits.replace(/^0+/, "");
  return stripped === "" ? "0" : stripped;
}

/** "5" → "5000000", "0.000001" → "1"; at most six decimal places, dot as the separator. */
export function xrpToDrops(text: string): ParsedXrp {
  const value = text.trim().replace(/[\s_]/g, "");
  if (value === "") return { ok: false, message: "Enter an amount in XRP." };
  if (value.includes(",")) return { ok: false, message: "Use a dot for decimals, no commas." };
  const match = XRP_TEXT.exec(value.startsWith(".") ? `0${value}` : value);
  if (!match) return { ok: false, message: "Enter a positive number of XRP, like 12.5." };
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > DROPS_PER_XRP_DIGITS) {
    return { ok: false, message: "XRP has at most six decimal places (1 drop = 0.000001 XRP)." };
  }
  return { ok: true, drops: stripLeadingZeros(whole + fraction.padEnd(DROPS_PER_XRP_DIGITS, "0")) };
}

function digitsOf(drops: string | number | bigint): string {
  const text = typeof drops === "string" ? drops.trim() : drops.toString();
  if (!/^\d+$/.test(text)) throw new Error(`not a whole number of drops: ${text}`);
  return stripLeadingZeros(text);
}

/** "1500000" → "1.5", "1" → "0.000001". */
export function dropsToXrp(drops: string | number | bigint): string {
  const digits = digitsOf(drops).padStart(DROPS_PER_XRP_DIGITS + 1, "0");
  const whole = stripLeadingZeros(digits.slice(0, -DROPS_PER_XRP_DIGITS));
  const fraction = digits.slice(-DROPS_PER_XRP_DIGITS).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

/** "5000000" → "5,000,000" (the whole-number part only is grouped). */
export function groupDigits(text: string): string {
  const [whole = "", fraction] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** "5 XRP (5,000,000 drops)". */
export function formatAmount(drops: string | number | bigint): string {
  const digits = digitsOf(drops);
  const unit = digits === "1" ? "drop" : "drops";
  return `${groupDigits(dropsToXrp(digits))} XRP (${groupDigits(digits)} ${unit})`;
}

/** Sum of whole-drop digit strings, exactly. */
export function sumDrops(values: string[]): string {
  return values.reduce((total, value) => (BigInt(total) + BigInt(digitsOf(value))).toString(), "0");
}

/**
 * Drops as a JSON number for the API. JSON numbers above 2^53 lose digits in the browser, so a
 * larger amount is refused here instead of being silently rounded.
 */
export function dropsToJsonInteger(drops: string): number | null {
  const digits = digitsOf(drops);
  if (BigInt(digits) > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(digits);
}
