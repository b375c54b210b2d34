/**
 * Where a transaction can be looked at: the public XRPL explorer of the network the service is
 * configured for (`/meta.xrpl_network`). A network without a known public explorer gets no link;
 * its hashes are shown as plain text rather than pointing somewhere that does not have them.
 */

export interface Explorer {
  /** Shown to people, e.g. "XRPL Testnet explorer". */
  name: string;
  origin: string;
}

const EXPLORERS: Readonly<Record<string, Explorer>> = {
  MAINNET: { name: "XRPL Mainnet explorer", origin: "https://livenet.xrpl.org" },
  TESTNET: { name: "XRPL Testnet explorer", origin: "https://testnet.xrpl.org" },
  DEVNET: { name: "XRPL Devnet explorer", origin: "https://devnet.xrpl.org" },
};

const TX_HASH = /^[0-9A-Fa-f]{64}$/;
/** A classic address: "r" and 24 to 34 more characters of the XRPL's base58 alphabet. */
const CLASSIC_ADDRESS = /^r[1-9A-HJ-NP-Za-km-z]{24,34}$/;

/** A transaction hash: exactly 64 hex characters. */
export function isTxHash(value: unknown): value is string {
  return typeof value === "string" && TX_HASH.test(value);
}

/** Shaped like a classic address (the service checks the checksum; a link needs only the shape). */
export function isClassicAddress(value: unknown): value is string {
  return typeof value === "string" && CLASSIC_ADDRESS.test(value);
}

/** The explorer of a network name as the service spells it (any case, surrounding spaces). */
export function explorerFor(network: string | null | undefined): Explorer | null {
  if (!network) return null;
  return EXPLORERS[network.trim().toUpperCase()] ?? null;
}

/** The explorer page of a transaction, or null (unknown network, or not a transaction hash). */
export function explorerTxUrl(network: string | null | undefined, hash: string): string | null {
  const explorer = explorerFor(network);
  if (!explorer || !isTxHash(hash)) return null;
  return `${explorer.origin}/transactions/${hash.toUpperCase()}`;
}

/** The explorer page of an account, or null (unknown network, or not a classic address). */
export function explorerAccountUrl(
  network: string | null | undefined,
  address: string,
): string | null {
  const explorer = explorerFor(network);
  if (!explorer || !isClassicAddress(address)) return null;
  return `${explorer.origin}/accounts/${address}`;
}
