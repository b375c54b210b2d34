import { explorerFor, explorerTxUrl } from "../lib/explorer";
import { useOptionalSession } from "../session";

/**
 * A transaction hash, in full, linked to the public explorer of the service's network (a new
 * tab; no referrer). Without a known explorer, or before /meta has answered, it is plain text.
 * The link's text is the hash alone, so selecting it copies just the hash; its accessible name
 * starts with the hash and says where it leads.
 */
export function TxHash({ hash, className = "" }: { hash: string; className?: string }) {
  const network = useOptionalSession()?.meta?.xrpl_network;
  const explorer = explorerFor(network);
  const url = explorerTxUrl(network, hash);
  const classes = `mono tx-hash ${className}`.trim();
  if (!url || !explorer) {
    return (
      <span className={classes} data-tx-hash={hash}>
        {hash}
      </span>
    );
  }
  const description = `${hash} (opens in the ${explorer.name}, new tab)`;
  return (
    <a
      className={`${classes} external`}
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      data-tx-hash={hash}
      aria-label={description}
      title={description}
    >
      {hash}
    </a>
  );
}
