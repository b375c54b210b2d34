/** Instants: the API's UTC ISO strings, XRPL ripple-epoch seconds, and the user's local time. */

/** Seconds between the Unix epoch and the XRPL epoch (2000-01-01T00:00:00Z). */
export const RIPPLE_EPOCH_OFFSET_SECONDS = 946_684_800;

export function rippleToDate(rippleSeconds: number): Date {
  return new Date((rippleSeconds + RIPPLE_EPOCH_OFFSET_SECONDS) * 1000);
}

export function dateToRipple(date: Date): number {
  return Math.floor(date.getTime() / 1000) - RIPPLE_EPOCH_OFFSET_SECONDS;
}

const LOCAL_FORMAT: Intl.DateTimeFormatOptions = {
  weekday: "short",
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
};

/** A local, human reading of an instant, e.g. "Mon, Mar 1, 2027, 09:00 PM GMT+1". */
export function formatLocal(date: Date, locale?: string): string {
  return date.toLocaleString(locale, LOCAL_FORMAT);
}

export function formatIsoLocal(iso: string, locale?: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatLocal(date, locale);
}

const DAY_HOUR_MINUTE: ReadonlyArray<[number, string]> = [
  [86_400, "d"],
  [3_600, "h"],
  [60, "min"],
];
const DOWN_TO_SECONDS: ReadonlyArray<[number, string]> = [...DAY_HOUR_MINUTE, [1, "s"]];

/** `seconds` in its two largest units, e.g. "2 d 3 h", "5 min" ("25 s" below a minute). */
function spell(seconds: number, units: ReadonlyArray<[number, string]> = DAY_HOUR_MINUTE): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, name] of units) {
    const count = Math.floor(rest / size);
    if (count > 0 && parts.length < 2) parts.push(`${count} ${name}`);
    rest -= count * size;
  }
  if (parts.length === 0) return `${Math.max(rest, 0)} s`;
  return parts.join(" ");
}

/** "in 2 d 3 h", "5 min ago", "now". */
export function countdown(target: Date, now: Date): string {
  const seconds = Math.round((target.getTime() - now.getTime()) / 1000);
  if (seconds === 0) return "now";
  return seconds > 0 ? `in ${spell(seconds)}` : `${spell(-seconds)} ago`;
}

/**
 * What is left until `target`, for a countdown that ticks every second: "2 d 3 h", "1 h 5 min",
 * "4 min 5 s", "25 s". Rounded up, so it never says "0 s" before the moment; "0 s" after it.
 */
export function timeLeft(target: Date, now: Date): string {
  const seconds = Math.max(0, Math.ceil((target.getTime() - now.getTime()) / 1000));
  return spell(seconds, DOWN_TO_SECONDS);
}

/**
 * The value of an `<input type="datetime-local">` (local wall-clock time, no zone) as the UTC
 * ISO instant the API wants, e.g. "2027-03-01T20:00:00Z". `null` for an empty/invalid value.
 */
export function localInputToUtcIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function two(value: number): string {
  return value.toString().padStart(2, "0");
}

/** A Date as a `datetime-local` value in the user's zone (minutes precision). */
export function dateToLocalInput(date: Date): string {
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}` +
    `T${two(date.getHours())}:${two(date.getMinutes())}`
  );
}
