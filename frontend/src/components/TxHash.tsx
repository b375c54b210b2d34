import { explorerTxUrl } from "../lib/explorer";
import { LedgerLink } from "./LedgerLink";

/** A transaction hash, linked to the explorer of the service's network when it has one. */
export function TxHash({ hash, className = "" }: { hash: string; className?: string }) {
  return (
    <LedgerLink
      value={hash}
      urlFor={explorerTxUrl}
      className={`tx-hash ${className}`}
      data={{ "data-tx-hash": hash }}
    />
  );
}
