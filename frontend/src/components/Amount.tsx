import { formatAmount } from "../lib/money";

export function Amount({ drops }: { drops: number | string }) {
  return <span className="amount">{formatAmount(drops)}</span>;
}
