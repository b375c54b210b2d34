/**
 * What the last prepares of a bout returned (unsigned transactions and their Xaman sign
 * requests) and the transaction hashes the stub wallet reported as signed, and where each lives.
 *
 * - Escrow-create prepares: this tab's sessionStorage, key `ringledger.prepared.<bout>.escrows`,
 *   so a reload keeps the QR codes of a bout being funded. Nothing in them is secret: unsigned
 *   EscrowCreate transactions (amounts, addresses, the bonus Condition, which is public and goes
 *   on the ledger anyway) and sign request links.
 * - A fighter's claim of their show purse: sessionStorage too, key
 *   `ringledger.prepared.<bout>.claims`, so a reload keeps its QR code. It is an unsigned
 *   EscrowFinish of a show escrow (no condition, no fulfillment) and its sign request links.
 * - Payout prepares: memory only, never browser storage. The EscrowFinish of a winner's bonus
 *   carries the Fulfillment, the secret that releases the bonus to whoever submits it; storage
 *   would keep it readable after the page is gone (and after sign-out). A reload forgets the
 *   payout prepares; preparing payouts again issues fresh sign requests.
 * - The access token sits next to them in sessionStorage (`ringledger.access_token`, api/http.ts).
 *
 * Signing out, or the session ending on a 401, calls `forgetSession`: every `ringledger.*` item of
 * sessionStorage goes, the memory is emptied, and a prepare that answers afterwards is dropped
 * (writes carry the session generation they started in).
 */

import type { ClaimOut, PreparedEscrow, PreparedPayout } from "../api/client";

/** The promoter's two prepare phases. */
export type Phase = "escrows" | "payouts";
/** What is kept per bout: the promoter's two phases and a fighter's claims. */
export type Kept = Phase | "claims";

export interface PhaseState<T> {
  prepared: T[];
  /** payload_id → transaction hash reported as signed. */
  signedHashes: Record<string, string>;
}

export type EscrowPhaseState = PhaseState<PreparedEscrow>;
export type PayoutPhaseState = PhaseState<PreparedPayout>;
export type ClaimPhaseState = PhaseState<ClaimOut>;

/** Every key this console writes to browser storage starts with this. */
export const STORAGE_PREFIX = "ringledger.";
const PREPARED_PREFIX = `${STORAGE_PREFIX}prepared.`;

function key(boutId: string, phase: Kept): string {
  return `${PREPARED_PREFIX}${boutId}.${phase}`;
}

/** Payout prepares, by `key()`; gone with the page. */
const memory = new Map<string, PhaseState<unknown>>();
/** Bumped by `forgetSession`; a write from an older generation is ignored. */
let generation = 0;

export function sessionGeneration(): number {
  return generation;
}

export function emptyPhase<T>(): PhaseState<T> {
  return { prepared: [], signedHashes: {} };
}

function defaultStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

export function loadPhase<T>(
  boutId: string,
  phase: Kept,
  storage: Storage | null = defaultStorage(),
): PhaseState<T> {
  if (phase === "payouts") {
    const kept = memory.get(key(boutId, phase)) as PhaseState<T> | undefined;
    return kept ?? emptyPhase();
  }
  try {
    const raw = storage?.getItem(key(boutId, phase));
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

export interface SaveOptions {
  /** The session generation the data was fetched in (see `sessionGeneration`). */
  generation?: number;
  storage?: Storage | null;
}

/** Keep a phase's state where its phase belongs; false when it was dropped (session ended). */
export function savePhase<T>(
  boutId: string,
  phase: Kept,
  state: PhaseState<T>,
  options: SaveOptions = {},
): boolean {
  if (options.generation !== undefined && options.generation !== generation) return false;
  if (phase === "payouts") {
    memory.set(key(boutId, phase), state as PhaseState<unknown>);
    return true;
  }
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  try {
    storage?.setItem(key(boutId, phase), JSON.stringify(state));
  } catch {
    // Storage full or disabled: the page still works, a reload just needs a new prepare.
  }
  return true;
}

function removeKeys(storage: Storage | null, matches: (key: string) => boolean): void {
  if (!storage) return;
  try {
    const doomed: string[] = [];
    for (let index = 0; index < storage.length; index += 1) {
      const name = storage.key(index);
      if (name !== null && matches(name)) doomed.push(name);
    }
    for (const name of doomed) storage.removeItem(name);
  } catch {
    // Storage disabled: nothing was kept there either.
  }
}

/** The session ended: nothing of ours stays in this tab's sessionStorage or in memory. */
export function forgetSession(storage: Storage | null = defaultStorage()): void {
  generation += 1;
  memory.clear();
  removeKeys(storage, (name) => name.startsWith(STORAGE_PREFIX));
}

/**
 * Payout prepares an older console left in sessionStorage (with a winner's Fulfillment in them):
 * removed when the console starts, whoever is signed in.
 */
export function forgetStoredPayouts(storage: Storage | null = defaultStorage()): void {
  removeKeys(storage, (name) => name.startsWith(PREPARED_PREFIX) && name.endsWith(".payouts"));
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
