import { useState } from "react";
import type { FormEvent } from "react";
import type { RegisterRequest } from "../../api/client";
import { retryWhen, type CodeSentences } from "../../api/errors";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useAction } from "../../components/useAction";
import { hrefFor, navigate } from "../../lib/router";
import { useSession } from "../../session";
import { SIGN_IN_SENTENCES } from "./SignIn";

type SelfRole = RegisterRequest["role"];

const ROLE_TEXT: Record<SelfRole, string> = {
  fighter: "Fighter — receives purses at an XRPL address",
  promoter: "Promoter — creates bouts and signs the escrows in Xaman",
};

/** On a registration, a 429 is the throttle on sign-ups from one network address. */
const REGISTER_SENTENCES: CodeSentences = {
  rate_limited: (error) =>
    "Too many sign-ups from your network address recently; " +
    `try again ${retryWhen(error.retryAfterSeconds)}. No account was created.`,
};

export function SignUp() {
  const { api, signIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<SelfRole>("fighter");
  // Which call failed: the registration, or the sign-in after an account was created.
  const [step, setStep] = useState<"register" | "signIn">("register");
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const user = await run(async () => {
      setStep("register");
      await api.register({ email: email.trim(), password, role });
      setStep("signIn");
      return signIn(email.trim(), password);
    });
    if (user) navigate(user.role === "fighter" ? { name: "profile" } : { name: "bouts" });
  }

  return (
    <section className="panel narrow" aria-labelledby="sign-up-title">
      <h1 id="sign-up-title" tabIndex={-1}>
        Create an account
      </h1>
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>I am a</legend>
          {(Object.keys(ROLE_TEXT) as SelfRole[]).map((option) => (
            <label key={option} className="choice">
              <input
                type="radio"
                name="role"
                value={option}
                checked={role === option}
                onChange={() => setRole(option)}
              />
              {ROLE_TEXT[option]}
            </label>
          ))}
        </fieldset>
        <Field label="Email">
          {(props) => (
            <input
              {...props}
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          )}
        </Field>
        <Field label="Password" hint="At least 12 characters.">
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        {step === "register" ? (
          <ErrorNotice error={error} sentences={REGISTER_SENTENCES} />
        ) : (
          <ErrorNotice
            error={error}
            title="Your account was created, but signing in did not work."
            sentences={SIGN_IN_SENTENCES}
          />
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <p>
        Already registered? <a href={hrefFor({ name: "signIn" })}>Sign in</a>
      </p>
    </section>
  );
}
