/** Random values the console makes up: idempotency keys and stub ledger evidence. */

function randomBytes(count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

export function randomHex(byteCount: number): string {
  return Array.from(randomBytes(byteCount), (byte) => byte.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}

/** A 64-hex-character transaction hash for stub-mode evidence. */
export function randomTxHash(): string {
  return randomHex(32);
}

/** A uniformly drawn integer in [min, max] (both inclusive, max − min < 2^32). */
export function randomInt(min: number, max: number): number {
  const span = max - min + 1;
  const limit = Math.floor(0x1_0000_0000 / span) * span;
  const word = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(word);
    const value = word[0] ?? 0;
    if (value < limit) return min + (value % span);
  }
}

/** A stub ledger sequence for an EscrowCreate (the real one comes from the ledger). */
export function randomOfferSequence(): number {
  return randomInt(1, 4_000_000);
}

/**
 * A fresh Idempotency-Key for one user-initiated confirm attempt. `randomUUID` only exists in
 * secure contexts, so a version-4 UUID is built by hand elsewhere (e.g. a phone on plain http).
 */
export function newIdempotencyKey(): string {
  if (typeof globalThis.crypto.randomUUID === "function") return globalThis.crypto.randomUUID();
  const bytes = randomBytes(16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
