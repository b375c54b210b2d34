import { explorerFor } from "../lib/explorer";
import { useOptionalSession } from "../session";

interface LedgerLinkProps {
  /** A transaction hash or an account address, shown in full. */
  value: string;
  /** The explorer page for `value` on `network`, or null when there is none. */
  urlFor: (network: string | null | undefined, value: string) => string | null;
  className: string;
  /** Marks the element for tests and styles, e.g. `{"data-tx-hash": hash}`. */
  data: Record<`data-${string}`, string>;
}

/**
 * Something on the ledger, in full, linked to the public explorer of the service's network (a
 * new tab; no referrer). Without a known explorer, or before /meta has answered, it is plain
 * text. The link's text is the value alone, so selecting it copies just that; its accessible
 * name starts with the value and says where it leads.
 */
export function LedgerLink({ value, urlFor, className, data }: LedgerLinkProps) {
  const network = useOptionalSession()?.meta?.xrpl_network;
  const explorer = explorerFor(network);
  const url = urlFor(network, value);
  const classes = `mono ${className}`.trim();
  if (!url || !explorer) {
    return (
      <span className={classes} {...data}>
        {value}
      </span>
    );
  }
  const description = `${value} (opens in the ${explorer.name}, new tab)`;
  return (
    <a
      className={`${classes} external`}
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={description}
      title={description}
      {...data}
    >
      {value}
    </a>
  );
}
