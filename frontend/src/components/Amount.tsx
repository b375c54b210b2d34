import type { LedgerAmountValue } from "../api/client";
import { formatAmount } from "../lib/money";
import { formatTokenAmount } from "../lib/tokens";

export type { LedgerAmountValue };

export function Amount({ drops }: { drops: number | string }) {
  return <span className="amount">{formatAmount(drops)}</span>;
}

/** An amount as the service gives it: drops of XRP, or a token's amount object. */
export function LedgerAmount({ amount }: { amount: LedgerAmountValue }) {
  if (typeof amount === "string") return <Amount drops={amount} />;
  return (
    <span className="amount" data-currency={amount.currency}>
      {formatTokenAmount(amount.value, amount.currency)}
    </span>
  );
}
