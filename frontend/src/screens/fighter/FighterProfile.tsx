import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { ErrorNotice, SuccessNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useAction } from "../../components/useAction";
import { hrefFor } from "../../lib/router";
import { useSession } from "../../session";

export function FighterProfile() {
  const { api } = useSession();
  const [displayName, setDisplayName] = useState("");
  const [address, setAddress] = useState("");
  const [loaded, setLoaded] = useState(false);
  const [hasProfile, setHasProfile] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const load = useAction();
  const save = useAction();

  useEffect(() => {
    void load.run(async () => {
      try {
        const profile = await api.myProfile();
        setDisplayName(profile.display_name);
        setAddress(profile.xrpl_address);
        setHasProfile(true);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      } finally {
        setLoaded(true);
      }
    });
  }, [api]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    const profile = await save.run(() =>
      api.saveMyProfile({ display_name: displayName.trim(), xrpl_address: address.trim() }),
    );
    if (profile) {
      setDisplayName(profile.display_name);
      setAddress(profile.xrpl_address);
      setHasProfile(true);
      setSaved("Profile saved. Promoters can now pick you for a bout.");
    }
  }

  return (
    <section className="panel narrow" aria-labelledby="profile-title">
      <h1 id="profile-title" tabIndex={-1}>
        Fighter profile
      </h1>
      <p className="muted">
        Your purses are paid to this XRP Ledger address. Promoters see your display name when they
        set up a bout.
      </p>
      <ErrorNotice error={load.error} />
      {loaded && !hasProfile ? (
        <p className="notice notice-info" role="status">
          You have no profile yet. Save one so promoters can pick you.
        </p>
      ) : null}
      <form onSubmit={submit} noValidate aria-busy={!loaded}>
        <Field label="Display name">
          {(props) => (
            <input
              {...props}
              autoComplete="nickname"
              required
              maxLength={100}
              value={displayName}
              onChange={(event) => setDisplayName(event.target.value)}
            />
          )}
        </Field>
        <Field label="XRPL address" hint="A classic address starting with “r”, e.g. from Xaman.">
          {(props) => (
            <input
              {...props}
              className="mono"
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              required
              value={address}
              onChange={(event) => setAddress(event.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={save.error} />
        <SuccessNotice message={saved} />
        <button type="submit" className="primary" disabled={save.busy || !loaded}>
          {save.busy ? "Saving…" : "Save profile"}
        </button>
      </form>
      {hasProfile ? (
        <p>
          <a href={hrefFor({ name: "bouts" })}>See your bouts</a>
        </p>
      ) : null}
    </section>
  );
}
