import { useState } from "react";
import type { FormEvent } from "react";
import { retryWhen, type CodeSentences } from "../../api/errors";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useAction } from "../../components/useAction";
import { hrefFor, navigate } from "../../lib/router";
import { useSession } from "../../session";

/** On a sign-in, a 429 is the failed-login throttle (per account and per address). */
export const SIGN_IN_SENTENCES: CodeSentences = {
  rate_limited: (error) =>
    `Too many failed logins, try again ${retryWhen(error.retryAfterSeconds)}.`,
};

export function SignIn() {
  const { signIn, notice } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const user = await run(() => signIn(email.trim(), password));
    if (user) navigate(user.role === "fighter" ? { name: "profile" } : { name: "bouts" });
  }

  return (
    <section className="panel narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabIndex={-1}>
        Sign in
      </h1>
      {notice ? (
        <p className="notice notice-info" role="status">
          {notice}
        </p>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Field label="Email">
          {(props) => (
            <input
              {...props}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          )}
        </Field>
        <Field label="Password">
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={error} sentences={SIGN_IN_SENTENCES} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New here? <a href={hrefFor({ name: "signUp" })}>Create an account</a>
      </p>
    </section>
  );
}
