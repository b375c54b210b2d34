import { formatAmount } from "../lib/money";

export function Amount({ drops }: { drops: number | string }) {
  return <span className="amount">{formatAmount(drops)}</span>;
}

/** An escrow's `amount` as the service gives it: drops of XRP, or a token's amount object. */
export type LedgerAmountValue = string | { currency: string; issuer: string; value: string };

export function LedgerAmount({ amount }: { amount: LedgerAmountValue }) {
  if (typeof amount === "string") return <Amount drops={amount} />;
  return (
    <span className="amount">
      {amount.value} {amount.currency}
    </span>
  );
}
