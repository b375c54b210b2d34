import { useCallback, useMemo, useState } from "react";
import type { FormEvent } from "react";
import type { AllowedToken, CreateBoutRequest, FighterOut } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { TokenName } from "../../components/TokenName";
import { useAction } from "../../components/useAction";
import { useFighters } from "../../components/useFighters";
import { useLoaded } from "../../components/useLoaded";
import { dropsToJsonInteger, formatAmount, sumDrops, xrpToDrops } from "../../lib/money";
import {
  SIGNIFICANT_DIGITS,
  currencyName,
  formatTokenAmount,
  parseTokenAmount,
  sumDecimals,
  type ParsedToken,
} from "../../lib/tokens";
import { hrefFor, navigate } from "../../lib/router";
import { dateToLocalInput, formatIsoLocal, localInputToUtcIso } from "../../lib/time";
import { useSession } from "../../session";

type PurseKey = "show_a_drops" | "show_b_drops" | "bonus_a_drops" | "bonus_b_drops";
/** A token bout's four purses, decimal strings in the token's units. */
type TokenPurseKey = "show_a_amount" | "show_b_amount" | "bonus_a_amount" | "bonus_b_amount";

const PURSES: Array<{ key: PurseKey; tokenKey: TokenPurseKey; label: string }> = [
  { key: "show_a_drops", tokenKey: "show_a_amount", label: "Show purse, fighter A" },
  { key: "show_b_drops", tokenKey: "show_b_amount", label: "Show purse, fighter B" },
  { key: "bonus_a_drops", tokenKey: "bonus_a_amount", label: "Win bonus, fighter A" },
  { key: "bonus_b_drops", tokenKey: "bonus_b_amount", label: "Win bonus, fighter B" },
];

/** The currency choice: "" is XRP, anything else a token's label. */
const XRP = "";

const ADDRESS_MEMORY = "ringledger.promoter_xrpl_address";

function defaultEventTime(): string {
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  tomorrow.setHours(20, 0, 0, 0);
  return dateToLocalInput(tomorrow);
}

function rememberedAddress(): string {
  try {
    return localStorage.getItem(ADDRESS_MEMORY) ?? "";
  } catch {
    return "";
  }
}

function xrpTotal(parsed: Record<PurseKey, ReturnType<typeof xrpToDrops>>): string | null {
  const drops: string[] = [];
  for (const { key } of PURSES) {
    const result = parsed[key];
    if (!result.ok) return null;
    drops.push(result.drops);
  }
  return formatAmount(sumDrops(drops));
}

function tokenTotal(parsed: Record<PurseKey, ParsedToken>, currency: string): string | null {
  const values: string[] = [];
  for (const { key } of PURSES) {
    const result = parsed[key];
    if (!result.ok) return null;
    values.push(result.value);
  }
  return formatTokenAmount(sumDecimals(values), currency);
}

/** XRP, or one of the tokens the service allows; for a token, who issues it and its fee. */
function CurrencyChoice(props: {
  tokens: AllowedToken[];
  chosen: string;
  onChoose: (label: string) => void;
}) {
  const { tokens, chosen, onChoose } = props;
  const token = tokens.find((item) => item.label === chosen) ?? null;
  return (
    <fieldset className="currency-choice">
      <legend>Currency of the purses</legend>
      <label className="choice">
        <input
          type="radio"
          name="currency"
          value=""
          checked={chosen === XRP}
          onChange={() => onChoose(XRP)}
        />
        XRP
      </label>
      {tokens.map((item) => (
        <label key={item.label} className="choice">
          <input
            type="radio"
            name="currency"
            value={item.label}
            checked={chosen === item.label}
            onChange={() => onChoose(item.label)}
          />
          {item.label} (issued token)
        </label>
      ))}
      {token ? (
        <div className="hint token-hint" data-token-chosen={token.label}>
          <p>
            <TokenName token={token} />.
          </p>
          <p>
            The issuer&apos;s transfer fee, if it charges one, is read from the ledger when the
            escrows are prepared; each fighter then receives their amount less that fee, which the
            bout page shows. Every escrow of a token bout gets a CancelAfter, the show purses too: a
            show not finished by then can be cancelled back to you.
          </p>
        </div>
      ) : null}
    </fieldset>
  );
}

function fighterLabel(fighter: FighterOut): string {
  return `${fighter.display_name} — ${fighter.email}`;
}

interface FormProblems {
  [field: string]: string | undefined;
}

/** The tokens bouts may be settled in (`[]`: XRP only, and no currency choice is shown). */
function useTokens(): { tokens: AllowedToken[]; error: unknown } {
  const { api } = useSession();
  const load = useCallback(() => api.tokens(), [api]);
  const { value: tokens, error } = useLoaded(load, NO_TOKENS);
  return { tokens, error };
}

const NO_TOKENS: AllowedToken[] = [];

export function NewBout() {
  const { api, meta } = useSession();
  const { fighters, error: fightersError } = useFighters();
  const { tokens, error: tokensError } = useTokens();
  const [currency, setCurrency] = useState(XRP);
  const [title, setTitle] = useState("");
  const [fighterA, setFighterA] = useState("");
  const [fighterB, setFighterB] = useState("");
  const [eventLocal, setEventLocal] = useState(defaultEventTime);
  const [promoterAddress, setPromoterAddress] = useState(rememberedAddress);
  const [purses, setPurses] = useState<Record<PurseKey, string>>({
    show_a_drops: "",
    show_b_drops: "",
    bonus_a_drops: "",
    bonus_b_drops: "",
  });
  const [problems, setProblems] = useState<FormProblems>({});
  const { busy, error, run } = useAction();

  const token = tokens.find((item) => item.label === currency) ?? null;
  const unit = token ? currencyName(token.currency) : "XRP";
  const parsed = useMemo(
    () => Object.fromEntries(PURSES.map(({ key }) => [key, xrpToDrops(purses[key])])),
    [purses],
  ) as Record<PurseKey, ReturnType<typeof xrpToDrops>>;
  const parsedTokens = useMemo(
    () => Object.fromEntries(PURSES.map(({ key }) => [key, parseTokenAmount(purses[key], unit)])),
    [purses, unit],
  ) as Record<PurseKey, ParsedToken>;
  const eventUtc = localInputToUtcIso(eventLocal);
  const total = token ? tokenTotal(parsedTokens, token.currency) : xrpTotal(parsed);

  function chooseCurrency(label: string) {
    setCurrency(label);
    setProblems((previous) => {
      const kept = { ...previous };
      for (const { key } of PURSES) delete kept[key];
      return kept;
    });
  }

  function collect(): CreateBoutRequest | null {
    const found: FormProblems = {};
    if (!fighterA) found.fighter_a = "Pick fighter A.";
    if (!fighterB) found.fighter_b = "Pick fighter B.";
    if (!eventUtc) found.event = "Enter the event date and time.";
    if (!promoterAddress.trim()) found.address = "Enter the XRPL address that funds the escrows.";
    const common = {
      fighter_a_user_id: fighterA,
      fighter_b_user_id: fighterB,
      event_datetime_utc: eventUtc ?? "",
      promoter_xrpl_address: promoterAddress.trim(),
      title: title.trim() || null,
    };
    if (token) {
      // A token bout sends its four decimal strings and leaves the *_drops out altogether.
      const values: Partial<Record<TokenPurseKey, string>> = {};
      for (const { key, tokenKey } of PURSES) {
        const result = parsedTokens[key];
        if (result.ok) values[tokenKey] = result.value;
        else found[key] = result.message;
      }
      setProblems(found);
      if (Object.keys(found).length > 0 || !eventUtc) return null;
      return { ...common, token: token.label, ...values };
    }
    const amounts: Partial<Record<PurseKey, number>> = {};
    for (const { key } of PURSES) {
      const result = parsed[key];
      if (!result.ok) {
        found[key] = result.message;
        continue;
      }
      const asNumber = dropsToJsonInteger(result.drops);
      if (asNumber === null)
        found[key] = "This amount is too large to send exactly from a browser.";
      else amounts[key] = asNumber;
    }
    setProblems(found);
    if (Object.keys(found).length > 0 || !eventUtc) return null;
    return {
      ...common,
      show_a_drops: amounts.show_a_drops ?? 0,
      show_b_drops: amounts.show_b_drops ?? 0,
      bonus_a_drops: amounts.bonus_a_drops ?? 0,
      bonus_b_drops: amounts.bonus_b_drops ?? 0,
    };
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = collect();
    if (!body) return;
    const bout = await run(() => api.createBout(body));
    if (!bout) return;
    try {
      localStorage.setItem(ADDRESS_MEMORY, body.promoter_xrpl_address);
    } catch {
      // Remembering the address is a convenience only.
    }
    navigate({ name: "bout", boutId: bout.bout_id });
  }

  const windowMinutes = meta ? Math.round(meta.min_signing_window_seconds / 60) : null;

  return (
    <section className="panel" aria-labelledby="new-bout-title">
      <h1 id="new-bout-title" tabIndex={-1}>
        New bout
      </h1>
      <ErrorNotice error={fightersError} />
      <ErrorNotice
        error={tokensError}
        title="The tokens bouts may use could not be loaded; a bout in XRP can still be created."
      />
      {fighters.length < 2 ? (
        <p className="notice notice-info" role="status">
          A bout needs two fighters with a saved profile; {fighters.length} found so far.
        </p>
      ) : null}
      <form onSubmit={submit} noValidate className="grid-form">
        <Field label="Title (optional)">
          {(props) => (
            <input
              {...props}
              maxLength={200}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          )}
        </Field>
        <div className="pair">
          <Field label="Fighter A" problem={problems.fighter_a ?? null}>
            {(props) => (
              <select {...props} value={fighterA} onChange={(e) => setFighterA(e.target.value)}>
                <option value="">Choose a fighter…</option>
                {fighters.map((fighter) => (
                  <option key={fighter.user_id} value={fighter.user_id}>
                    {fighterLabel(fighter)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Fighter B" problem={problems.fighter_b ?? null}>
            {(props) => (
              <select {...props} value={fighterB} onChange={(e) => setFighterB(e.target.value)}>
                <option value="">Choose a fighter…</option>
                {fighters.map((fighter) => (
                  <option key={fighter.user_id} value={fighter.user_id}>
                    {fighterLabel(fighter)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Event start (your local time)"
          problem={problems.event ?? null}
          hint={
            <>
              {eventUtc ? `Sent as ${eventUtc} (UTC). ` : ""}
              {windowMinutes !== null
                ? `The service asks for at least ${windowMinutes} min of signing time before the escrows unlock.`
                : ""}
            </>
          }
        >
          {(props) => (
            <input
              {...props}
              type="datetime-local"
              value={eventLocal}
              onChange={(e) => setEventLocal(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Promoter XRPL address"
          problem={problems.address ?? null}
          hint="The Xaman account that funds and signs the four escrows."
        >
          {(props) => (
            <input
              {...props}
              className="mono"
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              value={promoterAddress}
              onChange={(e) => setPromoterAddress(e.target.value)}
            />
          )}
        </Field>
        {tokens.length > 0 ? (
          <CurrencyChoice tokens={tokens} chosen={currency} onChoose={chooseCurrency} />
        ) : null}
        <div className="pair">
          {PURSES.map(({ key, label }) => {
            const typed = purses[key].trim() !== "";
            let hint: string;
            let problem = problems[key] ?? null;
            if (token) {
              const result = parsedTokens[key];
              hint =
                result.ok && typed
                  ? formatTokenAmount(result.value, token.currency)
                  : `A plain decimal in ${unit}, up to ${SIGNIFICANT_DIGITS} significant digits, like 2500.75.`;
              // A token amount is checked as it is typed: the rules are the service's own.
              if (!result.ok && typed) problem = result.message;
            } else {
              const result = parsed[key];
              hint = result.ok && typed ? formatAmount(result.drops) : "Up to 6 decimals.";
            }
            return (
              <Field key={key} label={`${label} (${unit})`} problem={problem} hint={hint}>
                {(props) => (
                  <input
                    {...props}
                    inputMode="decimal"
                    autoComplete="off"
                    placeholder={token ? "0.00" : "0.000000"}
                    value={purses[key]}
                    onChange={(e) =>
                      setPurses((previous) => ({ ...previous, [key]: e.target.value }))
                    }
                  />
                )}
              </Field>
            );
          })}
        </div>
        <p className="total" aria-live="polite">
          Total locked: {total ?? "—"}
        </p>
        {eventUtc ? <p className="muted">Event: {formatIsoLocal(eventUtc)}</p> : null}
        <ErrorNotice error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Creating…" : "Create bout"}
          </button>
          <a href={hrefFor({ name: "bouts" })}>Cancel</a>
        </div>
      </form>
    </section>
  );
}
