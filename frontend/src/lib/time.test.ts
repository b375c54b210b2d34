import { describe, expect, test } from "vitest";
import {
  RIPPLE_EPOCH_OFFSET_SECONDS,
  countdown,
  timeLeft,
  dateToLocalInput,
  dateToRipple,
  localInputToUtcIso,
  rippleToDate,
} from "./time";

describe("ripple epoch", () => {
  test("0 is 2000-01-01T00:00:00Z", () => {
    expect(rippleToDate(0).toISOString()).toBe("2000-01-01T00:00:00.000Z");
    expect(RIPPLE_EPOCH_OFFSET_SECONDS).toBe(946_684_800);
  });
  test("round trip", () => {
    const at = new Date("2027-03-01T22:00:00Z");
    expect(rippleToDate(dateToRipple(at)).toISOString()).toBe(at.toISOString());
    expect(dateToRipple(at)).toBe(Date.parse("2027-03-01T22:00:00Z") / 1000 - 946_684_800);
  });
});

describe("datetime-local to UTC", () => {
  test("the wall-clock value is read in the user's zone and sent as UTC with Z", () => {
    const local = dateToLocalInput(new Date("2027-03-01T20:00:00Z"));
    expect(localInputToUtcIso(local)).toBe("2027-03-01T20:00:00Z");
  });
  test("a zone west of UTC moves the instant forward (New York, winter)", () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(localInputToUtcIso("2027-03-01T20:00")).toBe("2027-03-02T01:00:00Z");
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
  test("seconds are kept, milliseconds dropped", () => {
    const value = localInputToUtcIso("2027-03-01T20:00:30");
    expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:30Z$/);
  });
  test.each(["", "2027-03-01", "tomorrow", "2027-13-45T99:00"])("%j is not a time", (value) => {
    expect(localInputToUtcIso(value)).toBeNull();
  });
});

describe("countdown", () => {
  const now = new Date("2027-03-01T20:00:00Z");
  test.each([
    ["2027-03-01T20:00:00Z", "now"],
    ["2027-03-01T20:00:45Z", "in 45 s"],
    ["2027-03-01T22:05:00Z", "in 2 h 5 min"],
    ["2027-03-08T20:00:00Z", "in 7 d"],
    ["2027-03-04T03:30:00Z", "in 2 d 7 h"],
    ["2027-03-01T19:30:00Z", "30 min ago"],
  ])("%s is %s", (target, text) => {
    expect(countdown(new Date(target), now)).toBe(text);
  });
});

describe("timeLeft", () => {
  const at = new Date("2027-03-01T22:00:00Z");
  const before = (milliseconds: number) => new Date(at.getTime() - milliseconds);
  test.each([
    [24_200, "25 s"],
    [400, "1 s"],
    [65_000, "1 min 5 s"],
    [3_605_000, "1 h 5 s"],
    [3_900_000, "1 h 5 min"],
    [(2 * 86_400 + 3 * 3_600 + 600) * 1000, "2 d 3 h"],
    [0, "0 s"],
    [-30_000, "0 s"],
  ])("%i ms before: %s", (milliseconds, said) => {
    expect(timeLeft(at, before(milliseconds))).toBe(said);
  });
});
