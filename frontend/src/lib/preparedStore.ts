/**
 * What a prepare returned (unsigned transactions and sign requests) and the hashes the stub
 * "wallet" reported, kept per tab so a reload does not lose the QR codes. Nothing secret lives
 * here: the transactions are unsigned and the service keeps every preimage to itself.
 */

import type { PreparedEscrow, PreparedPayout } from "../api/client";

export type Phase = "escrows" | "payouts";

export interface PhaseState<T> {
  prepared: T[];
  /** payload_id → transaction hash reported as signed. */
  signedHashes: Record<string, string>;
}

export type EscrowPhaseState = PhaseState<PreparedEscrow>;
export type PayoutPhaseState = PhaseState<PreparedPayout>;

function key(boutId: string, phase: Phase): string {
  return `ringledger.prepared.${boutId}.${phase}`;
}

export function emptyPhase<T>(): PhaseState<T> {
  return { prepared: [], signedHashes: {} };
}

export function loadPhase<T>(
  boutId: string,
  phase: Phase,
  storage: Storage = sessionStorage,
): PhaseState<T> {
  try {
    const raw = storage.getItem(key(boutId, phase));
    if (!raw) return emptyPhase();
    const parsed = JSON.parse(raw) as Partial<PhaseState<T>>;
    return {
      prepared: Array.isArray(parsed.prepared) ? parsed.prepared : [],
      signedHashes: parsed.signedHashes ?? {},
    };
  } catch {
    return emptyPhase();
  }
}

export function savePhase<T>(
  boutId: string,
  phase: Phase,
  state: PhaseState<T>,
  storage: Storage = sessionStorage,
): void {
  try {
    storage.setItem(key(boutId, phase), JSON.stringify(state));
  } catch {
    // Storage full or disabled: the page still works, a reload just needs a new prepare.
  }
}

/** A new prepare replaces the items it returned; the other escrows keep theirs. */
export function mergePrepared<T extends { escrow_kind: string }>(
  current: PhaseState<T>,
  fresh: T[],
): PhaseState<T> {
  const replaced = new Set(fresh.map((item) => item.escrow_kind));
  return {
    prepared: [...current.prepared.filter((item) => !replaced.has(item.escrow_kind)), ...fresh],
    signedHashes: current.signedHashes,
  };
}
