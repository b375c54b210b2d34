import { describe, expect, test } from "vitest";
import { newIdempotencyKey, randomInt, randomOfferSequence, randomTxHash } from "./random";

describe("made-up values", () => {
  test("a transaction hash is 64 hex characters", () => {
    expect(randomTxHash()).toMatch(/^[0-9A-F]{64}$/);
    expect(randomTxHash()).not.toBe(randomTxHash());
  });

  test("offer sequences stay within 1..4,000,000", () => {
    for (let index = 0; index < 200; index += 1) {
      const value = randomOfferSequence();
      expect(value).toBeGreaterThanOrEqual(1);
      expect(value).toBeLessThanOrEqual(4_000_000);
      expect(Number.isInteger(value)).toBe(true);
    }
    expect(randomInt(7, 7)).toBe(7);
  });

  test("idempotency keys are fresh UUIDs, also without crypto.randomUUID", () => {
    const first = newIdempotencyKey();
    expect(first).not.toBe(newIdempotencyKey());
    // Plain-http pages (a phone on the LAN) have no randomUUID.
    const own = Object.getOwnPropertyDescriptor(globalThis.crypto, "randomUUID");
    Object.defineProperty(globalThis.crypto, "randomUUID", {
      value: undefined,
      configurable: true,
    });
    try {
      expect(newIdempotencyKey()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    } finally {
      if (own) Object.defineProperty(globalThis.crypto, "randomUUID", own);
      else delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
    }
    expect(typeof globalThis.crypto.randomUUID).toBe("function");
  });
});
