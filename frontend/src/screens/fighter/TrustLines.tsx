/**
 * A fighter's trust lines. A bout paid in an issued token can only pay an account that has a
 * trust line to the token's issuer with room for the amounts; only the fighter can add it, by
 * signing a TrustSet from their own address. The service says per token of the fighter's open
 * bouts whether the account is ready (read from the ledger; not checked with a stub ledger) and
 * prepares the TrustSet with a sign request only that address may sign.
 */

import { useCallback, useEffect, useId, useState } from "react";
import type { CodeSentences } from "../../api/errors";
import type { TrustLine, TrustLineRequestOut } from "../../api/client";
import { AccountAddress } from "../../components/AccountAddress";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TokenName } from "../../components/TokenName";
import { useAction } from "../../components/useAction";
import { txField } from "../../lib/evidence";
import { hrefFor } from "../../lib/router";
import { formatTokenAmount } from "../../lib/tokens";
import { useSession } from "../../session";
import { SignRequestView } from "../bout/SigningPanel";

/** The trust-line request's refusals in this panel's words; the service's detail follows. */
export const TRUST_LINE_SENTENCES: CodeSentences = {
  token_not_found: () =>
    "This token is no longer one bouts may be settled in, so no sign request was issued.",
  profile_required: () =>
    "Save your fighter profile first: the trust line is for its XRPL address. No sign request was issued.",
  nothing_owed: () =>
    "None of your open bouts still owes you this token, so there is no limit to ask for and no sign request was issued.",
  xaman_unavailable: () =>
    "Xaman could not be reached, so no sign request was issued. Nothing changed; try again shortly.",
  ledger_unavailable: () =>
    "The XRPL node could not be read (the limit is set from your line as it stands), so no sign request was issued. Try again shortly.",
  upstream_unavailable: () =>
    "An outside service could not be reached, so no sign request was issued. Try again shortly.",
};

/** The flag the service sets on every TrustSet it prepares (tfSetNoRipple). */
const TF_SET_NO_RIPPLE = 131072;

/** The readiness of one token's line in words. */
export function readinessText(line: Pick<TrustLine, "ready" | "reason">): string {
  if (line.ready === true) return "Ready: your account can receive what these bouts pay you.";
  if (line.ready === false) {
    return `Not ready: ${line.reason ?? "the service did not say why."}`;
  }
  return "Not checked: this service runs with a stub ledger (XRPL_MODE=stub) and reads no ledger, so it cannot tell whether your line is there. If you have not added it, add it here.";
}

export function TrustLines() {
  const { api } = useSession();
  const [lines, setLines] = useState<TrustLine[] | null>(null);
  const load = useAction();
  const { run } = load;

  const reload = useCallback(
    () =>
      run(async () => {
        setLines(await api.myTrustLines());
      }),
    [api, run],
  );

  useEffect(() => {
    void reload();
  }, [reload]);

  // A fighter none of whose open bouts pays in a token has nothing to set up here.
  if (!load.error && (lines === null || lines.length === 0)) return null;
  return (
    <section className="panel narrow trust-lines" aria-labelledby="trust-lines-title">
      <h2 id="trust-lines-title">Trust lines for token purses</h2>
      <p className="muted">
        Some of your bouts pay in an issued token. Your account can receive it only through a trust
        line to the token&apos;s issuer with room for what the bouts pay you. Only you can add it,
        by signing a TrustSet in Xaman; the escrows of a bout are not created before it is there.
      </p>
      <ErrorNotice error={load.error} title="Your trust lines could not be read" />
      <ul className="trust-line-list">
        {(lines ?? []).map((line) => (
          <TrustLineItem key={line.label} line={line} />
        ))}
      </ul>
      <div className="button-row">
        <button type="button" onClick={() => void reload()} disabled={load.busy}>
          {load.busy ? "Checking…" : "Check again"}
        </button>
      </div>
    </section>
  );
}

function TrustLineItem({ line }: { line: TrustLine }) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  const [request, setRequest] = useState<TrustLineRequestOut | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const titleId = useId();
  const state = line.ready === null ? "unchecked" : line.ready ? "ready" : "not-ready";

  async function ask() {
    setSaid(null);
    const answer = await run(() => api.requestTrustLine(line.label));
    if (answer) {
      setRequest(answer);
      setSaid("Your sign request is ready: scan its QR code with Xaman, or open its link.");
    }
  }

  return (
    <li className="trust-line" aria-labelledby={titleId} data-token={line.label} data-ready={state}>
      <h3 id={titleId}>{line.label}</h3>
      <p>
        <TokenName token={line} />
      </p>
      <p className={`trust-line-status trust-line-${state}`}>{readinessText(line)}</p>
      <p className="small">
        {line.bout_ids.length === 1 ? "Bout" : "Bouts"} in {line.label}:{" "}
        {line.bout_ids.map((boutId, index) => (
          <span key={boutId}>
            {index > 0 ? ", " : ""}
            <a href={hrefFor({ name: "bout", boutId })}>Bout {boutId.slice(0, 8)}</a>
          </span>
        ))}
      </p>
      {line.ready === true ? null : (
        <>
          <p className="small">
            The same transaction adds the line or, if you have one, raises its limit to what your
            open bouts in {line.label} owe you.
          </p>
          <div className="button-row">
            <button
              type="button"
              className={request ? undefined : "primary"}
              disabled={busy}
              onClick={() => void ask()}
            >
              {busy ? "Asking…" : request ? "Ask again (new sign request)" : "Add trust line"}
            </button>
          </div>
        </>
      )}
      <p className="sr-only" role="status">
        {said ?? ""}
      </p>
      <ErrorNotice
        error={error}
        title="No sign request was issued"
        sentences={TRUST_LINE_SENTENCES}
      />
      {request ? <TrustSetRequest request={request} /> : null}
    </li>
  );
}

/** The sign request, with what signing it does and what happens after. */
function TrustSetRequest({ request }: { request: TrustLineRequestOut }) {
  const meta = useSession().meta;
  const tx = request.unsigned_tx;
  const limit = tx.LimitAmount as { currency?: unknown; issuer?: unknown; value?: unknown };
  const currency = typeof limit?.currency === "string" ? limit.currency : "";
  const issuer = typeof limit?.issuer === "string" ? limit.issuer : "";
  const value = typeof limit?.value === "string" ? limit.value : "";
  const flags = txField(tx, "Flags");
  const lead = (
    <div className="trust-set-what">
      <p>
        <strong>
          You sign a {txField(tx, "TransactionType")} from your own address{" "}
          <AccountAddress address={txField(tx, "Account")} />
        </strong>
        : your account may then hold up to{" "}
        <strong data-limit={value}>{value ? formatTokenAmount(value, currency) : "—"}</strong>{" "}
        issued by <AccountAddress address={issuer} />.
      </p>
      <p className="small">
        {flags === String(TF_SET_NO_RIPPLE)
          ? `Flags ${flags} (tfSetNoRipple): your balance is never used to pass other people's payments through. `
          : flags
            ? `Flags ${flags}. `
            : ""}
        The limit covers what your open bouts in this token still owe you; the service never lowers
        a limit. You pay the transaction fee.
      </p>
    </div>
  );
  return (
    <SignRequestView request={request.xaman_sign_request} lead={lead}>
      <details>
        <summary>The transaction as prepared</summary>
        <pre className="mono small unsigned-tx" data-unsigned-tx="TrustSet">
          {JSON.stringify(tx, null, 2)}
        </pre>
      </details>
      <p className="small trust-set-next" data-ledger={meta?.xrpl_mode ?? "unknown"}>
        <strong>What happens next: </strong>
        {meta?.xrpl_mode === "rpc"
          ? "once the ledger has validated your TrustSet, check again (or reload the page): this panel reads your line from the ledger and says whether it is ready."
          : "this service runs with a stub ledger (XRPL_MODE=stub) and reads no ledger, so this panel cannot tell when your line is there."}
      </p>
    </SignRequestView>
  );
}
