/** A bout's money as a whole: its four escrows together, in XRP or in its token, exactly. */

import type { BoutView, EscrowView, TokenAmount } from "../api/client";
import { formatAmount, sumDrops } from "./money";
import { formatTokenAmount, sumDecimals } from "./tokens";

/** The escrow's token amount, or null for an XRP escrow. */
export function tokenAmountOf(escrow: Pick<EscrowView, "amount">): TokenAmount | null {
  return typeof escrow.amount === "string" ? null : escrow.amount;
}

/** The four purses together: "12.750001 XRP (12,750,001 drops)" or "3,250.76 USD". */
export function boutTotalText(bout: Pick<BoutView, "escrows">): string {
  const drops: string[] = [];
  const tokens: TokenAmount[] = [];
  for (const escrow of bout.escrows) {
    const token = tokenAmountOf(escrow);
    if (token) tokens.push(token);
    else drops.push(escrow.amount as string);
  }
  const [first] = tokens;
  if (!first) return formatAmount(sumDrops(drops));
  if (drops.length > 0 || tokens.some((item) => item.currency !== first.currency)) {
    throw new Error("a bout's escrows are all in one currency");
  }
  return formatTokenAmount(sumDecimals(tokens.map((item) => item.value)), first.currency);
}
