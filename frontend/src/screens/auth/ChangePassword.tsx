import { useEffect, useRef, useState } from "react";
import type { FormEvent, RefObject } from "react";
import { ApiError, retryWhen, type CodeSentences } from "../../api/errors";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useAction } from "../../components/useAction";
import { hrefFor, navigate } from "../../lib/router";
import { useSession } from "../../session";

/** The service's minimum length; checked here as a convenience, the service stays the judge. */
export const MIN_PASSWORD_LENGTH = 12;

export type PasswordField = "current" | "next" | "repeat";
export type PasswordProblems = Partial<Record<PasswordField, string>>;

const FIELD_ORDER: PasswordField[] = ["current", "next", "repeat"];
const CURRENT_NOT_CORRECT = "The current password is not correct.";

/** The service's names for the fields of `POST /auth/password`. */
const SERVICE_FIELDS: Record<string, PasswordField> = {
  current_password: "current",
  new_password: "next",
};

/** Characters as the service counts them: code points, not UTF-16 units (an emoji is one). */
export function passwordLength(password: string): number {
  return Array.from(password).length;
}

/** What the form can tell before asking the service. */
export function checkPasswordChange(
  current: string,
  next: string,
  repeat: string,
): PasswordProblems {
  const problems: PasswordProblems = {};
  if (current === "") problems.current = "Enter your current password.";
  const length = passwordLength(next);
  if (length === 0) {
    problems.next = "Enter a new password.";
  } else if (length < MIN_PASSWORD_LENGTH) {
    problems.next = `Use at least ${MIN_PASSWORD_LENGTH} characters; this one has ${length}.`;
  }
  if (length > 0 && repeat === "") problems.repeat = "Repeat the new password.";
  else if (repeat !== next) problems.repeat = "The two new passwords are not the same.";
  return problems;
}

/** The fields a refusal of the service is about. */
function problemsOf(error: unknown): PasswordProblems {
  if (!(error instanceof ApiError)) return {};
  if (error.status === 401 && error.code === "credentials_invalid") {
    return { current: CURRENT_NOT_CORRECT };
  }
  const problems: PasswordProblems = {};
  for (const problem of error.fieldProblems) {
    const field = SERVICE_FIELDS[problem.field];
    if (field && !problems[field]) problems[field] = problem.message;
  }
  return problems;
}

/** What this form's refusals mean, where the general sentence would say something else. */
const SENTENCES: CodeSentences = {
  // A 401 with this code is the current password, never the session: the token still works.
  credentials_invalid: () => `${CURRENT_NOT_CORRECT} You are still signed in; nothing changed.`,
  rate_limited: (error) =>
    "Too many wrong passwords for this account recently; " +
    `try again ${retryWhen(error.retryAfterSeconds)}. Nothing changed.`,
  network_error: () =>
    "The service could not be reached, so the password may or may not have changed. Try " +
    "again; if the console then says your session has ended, sign in with the new password.",
};

export function ChangePassword() {
  const { user, changePassword } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [problems, setProblems] = useState<PasswordProblems>({});
  const { busy, error, setError, run } = useAction();
  const inputs: Record<PasswordField, RefObject<HTMLInputElement | null>> = {
    current: useRef<HTMLInputElement>(null),
    next: useRef<HTMLInputElement>(null),
    repeat: useRef<HTMLInputElement>(null),
  };
  // Focus moves to the first field with a problem once it is rendered with its description.
  const focusAfterRender = useRef<PasswordField | null>(null);

  useEffect(() => {
    const field = focusAfterRender.current;
    if (!field) return;
    focusAfterRender.current = null;
    inputs[field].current?.focus();
  });

  function showProblems(found: PasswordProblems) {
    setProblems(found);
    focusAfterRender.current = FIELD_ORDER.find((field) => found[field]) ?? null;
  }

  function edit(field: PasswordField, value: string, setValue: (value: string) => void) {
    setValue(value);
    if (problems[field]) setProblems((previous) => ({ ...previous, [field]: undefined }));
  }

  /** The service said no: point at the field it is about (a wrong current one is emptied). */
  function refused(caught: unknown) {
    const found = problemsOf(caught);
    if (found.current) setCurrent("");
    showProblems(found);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = checkPasswordChange(current, next, repeat);
    if (Object.keys(found).length > 0) {
      setError(null);
      showProblems(found);
      return;
    }
    showProblems({});
    const changed = await run(async () => {
      try {
        await changePassword(current, next);
      } catch (caught) {
        refused(caught);
        throw caught;
      }
      return true;
    });
    // The session has ended already (every token was revoked); the sign-in screen says why.
    if (changed) navigate({ name: "signIn" });
  }

  return (
    <section className="panel narrow" aria-labelledby="change-password-title">
      <h1 id="change-password-title" tabIndex={-1}>
        Change password
      </h1>
      <p>
        Changing the password signs out every session of your account, this one included. You then
        sign in again with the new password.
      </p>
      <form onSubmit={submit} noValidate>
        {/* Tells password managers which account the new password belongs to. */}
        <input
          type="email"
          name="username"
          autoComplete="username"
          value={user?.email ?? ""}
          readOnly
          hidden
        />
        <Field label="Current password" problem={problems.current ?? null}>
          {(props) => (
            <input
              {...props}
              ref={inputs.current}
              type="password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(event) => edit("current", event.target.value, setCurrent)}
            />
          )}
        </Field>
        <Field
          label="New password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          problem={problems.next ?? null}
        >
          {(props) => (
            <input
              {...props}
              ref={inputs.next}
              type="password"
              autoComplete="new-password"
              minLength={MIN_PASSWORD_LENGTH}
              required
              value={next}
              onChange={(event) => edit("next", event.target.value, setNext)}
            />
          )}
        </Field>
        <Field label="Repeat new password" problem={problems.repeat ?? null}>
          {(props) => (
            <input
              {...props}
              ref={inputs.repeat}
              type="password"
              autoComplete="new-password"
              minLength={MIN_PASSWORD_LENGTH}
              required
              value={repeat}
              onChange={(event) => edit("repeat", event.target.value, setRepeat)}
            />
          )}
        </Field>
        <ErrorNotice error={error} sentences={SENTENCES} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Changing…" : "Change password"}
          </button>
          <a href={hrefFor({ name: "home" })}>Cancel</a>
        </div>
      </form>
    </section>
  );
}
