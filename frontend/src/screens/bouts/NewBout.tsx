import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import type { CreateBoutRequest, FighterOut } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useAction } from "../../components/useAction";
import { useFighters } from "../../components/useFighters";
import { dropsToJsonInteger, formatAmount, sumDrops, xrpToDrops } from "../../lib/money";
import { hrefFor, navigate } from "../../lib/router";
import { dateToLocalInput, formatIsoLocal, localInputToUtcIso } from "../../lib/time";
import { useSession } from "../../session";

type PurseKey = "show_a_drops" | "show_b_drops" | "bonus_a_drops" | "bonus_b_drops";

const PURSES: Array<{ key: PurseKey; label: string }> = [
  { key: "show_a_drops", label: "Show purse, fighter A (XRP)" },
  { key: "show_b_drops", label: "Show purse, fighter B (XRP)" },
  { key: "bonus_a_drops", label: "Win bonus, fighter A (XRP)" },
  { key: "bonus_b_drops", label: "Win bonus, fighter B (XRP)" },
];

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

function fighterLabel(fighter: FighterOut): string {
  return `${fighter.display_name} — ${fighter.email}`;
}

interface FormProblems {
  [field: string]: string | undefined;
}

export function NewBout() {
  const { api, meta } = useSession();
  const { fighters, error: fightersError } = useFighters();
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

  const parsed = useMemo(
    () => Object.fromEntries(PURSES.map(({ key }) => [key, xrpToDrops(purses[key])])),
    [purses],
  ) as Record<PurseKey, ReturnType<typeof xrpToDrops>>;
  const eventUtc = localInputToUtcIso(eventLocal);
  const allParsed = PURSES.every(({ key }) => parsed[key].ok);
  const total = allParsed
    ? sumDrops(
        PURSES.map(({ key }) => {
          const result = parsed[key];
          return result.ok ? result.drops : "0";
        }),
      )
    : null;

  function collect(): CreateBoutRequest | null {
    const found: FormProblems = {};
    if (!fighterA) found.fighter_a = "Pick fighter A.";
    if (!fighterB) found.fighter_b = "Pick fighter B.";
    if (!eventUtc) found.event = "Enter the event date and time.";
    if (!promoterAddress.trim()) found.address = "Enter the XRPL address that funds the escrows.";
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
      fighter_a_user_id: fighterA,
      fighter_b_user_id: fighterB,
      event_datetime_utc: eventUtc,
      promoter_xrpl_address: promoterAddress.trim(),
      show_a_drops: amounts.show_a_drops ?? 0,
      show_b_drops: amounts.show_b_drops ?? 0,
      bonus_a_drops: amounts.bonus_a_drops ?? 0,
      bonus_b_drops: amounts.bonus_b_drops ?? 0,
      title: title.trim() || null,
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
        <div className="pair">
          {PURSES.map(({ key, label }) => {
            const result = parsed[key];
            return (
              <Field
                key={key}
                label={label}
                problem={problems[key] ?? null}
                hint={
                  result.ok && purses[key].trim() ? formatAmount(result.drops) : "Up to 6 decimals."
                }
              >
                {(props) => (
                  <input
                    {...props}
                    inputMode="decimal"
                    autoComplete="off"
                    placeholder="0.000000"
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
          Total locked: {total !== null ? formatAmount(total) : "—"}
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
