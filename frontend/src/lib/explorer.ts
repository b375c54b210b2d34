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

/** A transaction hash: exactly 64 hex characters. */
export function isTxHash(value: unknown): value is string {
  return typeof value === "string" && TX_HASH.test(value);
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
