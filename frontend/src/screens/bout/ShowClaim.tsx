/**
 * A fighter claims their own show purse. Show money is the fighter's once FinishAfter has passed,
 * whatever the promoter does: the ledger then lets any account finish the escrow, and pays it only
 * to its destination. The service issues a sign request for an EscrowFinish from the fighter's own
 * address (only that address may sign it); it records the finish from the ledger, not from here.
 */

import { useId, useState } from "react";
import type { CodeSentences } from "../../api/errors";
import type { BoutView, ClaimOut, EscrowView } from "../../api/client";
import { AccountAddress } from "../../components/AccountAddress";
import { LedgerAmount } from "../../components/Amount";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useAction } from "../../components/useAction";
import { txField } from "../../lib/evidence";
import { formatLocal, timeLeft } from "../../lib/time";
import { useNow } from "../../lib/useNow";
import { useOptionalSession } from "../../session";
import { SignRequestView } from "./SigningPanel";

/** The claim's refusals in the words of this form; the service's own detail follows them. */
export const CLAIM_SENTENCES: CodeSentences = {
  state_conflict: () =>
    "This show purse cannot be claimed right now: its escrow must be created on the ledger and FinishAfter must have passed, by the service's clock.",
  forbidden: () => "Only the fighter this show purse pays may claim it.",
  xaman_unavailable: () =>
    "Xaman could not be reached, so no sign request was issued. Nothing changed; try again shortly.",
};

interface ShowClaimProps {
  bout: BoutView;
  /** The signed-in fighter's own show escrow. */
  escrow: EscrowView;
  /** The last sign request this tab was given for it, if any. */
  claimed: ClaimOut | undefined;
  claim: () => Promise<ClaimOut>;
  onClaimed: (text: string) => void;
}

export function ShowClaim(props: ShowClaimProps) {
  const { bout, escrow } = props;
  if (escrow.status === "planned" && bout.status === "draft") {
    return (
      <p className="muted small" data-claim="waiting-for-escrow">
        Once the promoter has locked your show purse on the ledger, you can claim it here after
        FinishAfter.
      </p>
    );
  }
  // Finished or cancelled, the card says how and by whom; there is nothing left to claim.
  return escrow.status === "created" ? <ClaimWork {...props} /> : null;
}

function ClaimWork({ bout, escrow, claimed, claim, onClaimed }: ShowClaimProps) {
  const now = useNow();
  const { busy, error, run } = useAction();
  const titleId = useId();
  const finishAfter = new Date(bout.finish_after_utc);
  // Strictly after, as the service judges it (the ledger too: a finish needs a later close).
  const claimable = now > finishAfter;
  const request = claimed?.xaman_sign_request;
  const expired = request ? now >= new Date(request.expires_at) : false;

  async function ask() {
    const answer = await run(claim);
    if (answer) {
      onClaimed("Your sign request is ready: scan its QR code with Xaman, or open its link.");
    }
  }

  return (
    <section className="work claim" aria-labelledby={titleId} data-claimable={claimable}>
      <h4 id={titleId}>Claim your show purse</h4>
      <p className="small">
        Your show money is yours once FinishAfter has passed, whatever the promoter does: the ledger
        then lets anyone finish this escrow and pays it only to its destination. You can finish it
        yourself, from your own address.
      </p>
      {claimable ? null : (
        <p className="claim-countdown" role="timer">
          You can claim it in <strong>{timeLeft(finishAfter, now)}</strong>, once FinishAfter has
          passed (<time dateTime={bout.finish_after_utc}>{formatLocal(finishAfter)}</time>).
        </p>
      )}
      <ClaimableNotice claimable={claimable} />
      {claimed && request && !expired ? <ClaimRequest claimed={claimed} escrow={escrow} /> : null}
      {request && expired ? (
        <p className="notice notice-info" data-claim="expired">
          Your last sign request expired at{" "}
          <time dateTime={request.expires_at}>{formatLocal(new Date(request.expires_at))}</time>.
          Claim again for a new one.
        </p>
      ) : null}
      {claimable ? (
        <>
          <p className="small">
            {claimed && !expired
              ? "A new sign request replaces the one above, which can then no longer be signed."
              : "The service prepares the EscrowFinish and a sign request for your Xaman wallet."}
          </p>
          <div className="button-row">
            <button
              type="button"
              className={claimed && !expired ? undefined : "primary"}
              disabled={busy}
              onClick={() => void ask()}
            >
              {busy
                ? "Asking…"
                : claimed
                  ? "Claim again (new sign request)"
                  : "Claim my show purse"}
            </button>
          </div>
        </>
      ) : null}
      <ErrorNotice error={error} title="No sign request was issued" sentences={CLAIM_SENTENCES} />
    </section>
  );
}

/** Announces the moment the claim opens (the countdown itself is not read out every second). */
function ClaimableNotice({ claimable }: { claimable: boolean }) {
  // Only a page that showed the countdown says it; one opened afterwards shows the button at once.
  const [waited] = useState(!claimable);
  return (
    <p className="sr-only" role="status">
      {claimable && waited ? "FinishAfter has passed: you can claim your show purse now." : ""}
    </p>
  );
}

/** The sign request, with what signing it does and what happens after. */
function ClaimRequest({ claimed, escrow }: { claimed: ClaimOut; escrow: EscrowView }) {
  const meta = useOptionalSession()?.meta;
  const tx = claimed.unsigned_tx;
  const account = txField(tx, "Account");
  const lead = (
    <div className="claim-what">
      <p>
        <strong>
          You sign an {txField(tx, "TransactionType")} from your own address{" "}
          <AccountAddress address={account} />
        </strong>{" "}
        for the escrow of <AccountAddress address={txField(tx, "Owner")} /> (offer sequence{" "}
        {txField(tx, "OfferSequence")}).
      </p>
      <p>
        It releases <LedgerAmount amount={escrow.amount} /> to{" "}
        <AccountAddress address={escrow.destination_address} />, this escrow's destination: the
        ledger pays an escrow only to its destination, whoever submits the finish. The signing
        account pays the transaction fee.
      </p>
      {account !== escrow.destination_address ? (
        <p className="notice notice-warn" data-claim="other-signer">
          You sign from {account}, the address in your profile now; the money still goes to{" "}
          {escrow.destination_address}, the address this bout was created with.
        </p>
      ) : null}
    </div>
  );
  return (
    <SignRequestView request={claimed.xaman_sign_request} lead={lead}>
      <p className="small claim-next" data-ledger={meta?.xrpl_mode ?? "unknown"}>
        <strong>What happens next: </strong>
        {meta?.xrpl_mode === "rpc"
          ? "once the ledger has validated your signed finish, the service records it on its own (it follows the ledger on a schedule), and this card shows it paid and who finished it. This page is not told when you sign: reload it to see the escrow's status."
          : "this service runs with a stub ledger (XRPL_MODE=stub) and does not follow the ledger, so the promoter's payout confirm records this finish, with its transaction hash, once the result is entered."}
      </p>
    </SignRequestView>
  );
}
