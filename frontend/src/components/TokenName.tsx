import { currencyText } from "../lib/tokens";
import { AccountAddress } from "./AccountAddress";

interface TokenLike {
  label: string;
  currency: string;
  issuer: string;
}

/**
 * What a token's currency is called beside its label: nothing when the label says it already;
 * a 40-digit code decoded to its text, with the code itself kept visible (it is what the ledger,
 * the explorer and a wallet show).
 */
function currencyNote(token: TokenLike): string | null {
  if (token.currency.length !== 40) {
    return token.currency === token.label ? null : `currency ${token.currency}`;
  }
  const text = currencyText(token.currency);
  return text === null || text === token.label
    ? `currency code ${token.currency}`
    : `currency ${text}, code ${token.currency}`;
}

/** A token: its label, its currency and its issuer (linked to the explorer's account page). */
export function TokenName({ token }: { token: TokenLike }) {
  const note = currencyNote(token);
  return (
    <span className="token-name" data-token={token.label}>
      <strong>{token.label}</strong>
      {note ? <span className="small raw-currency"> ({note})</span> : null}, issued by{" "}
      <AccountAddress address={token.issuer} className="small" />
    </span>
  );
}
