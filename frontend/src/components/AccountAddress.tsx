import { explorerAccountUrl } from "../lib/explorer";
import { LedgerLink } from "./LedgerLink";

/** An XRPL account, linked to the explorer of the service's network when it has one. */
export function AccountAddress({
  address,
  className = "",
}: {
  address: string;
  className?: string;
}) {
  return (
    <LedgerLink
      value={address}
      urlFor={explorerAccountUrl}
      className={`account-address ${className}`}
      data={{ "data-address": address }}
    />
  );
}
