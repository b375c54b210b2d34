import { errorLines, type CodeSentences } from "../api/errors";

interface ErrorNoticeProps {
  error: unknown;
  title?: string;
  /** The form's own sentences for codes that mean something particular there. */
  sentences?: CodeSentences;
}

/** An error in words: one sentence per line, announced to screen readers. */
export function ErrorNotice({ error, title, sentences }: ErrorNoticeProps) {
  if (error === null || error === undefined) return null;
  const [headline, ...rest] = errorLines(error, sentences);
  return (
    <div className="notice notice-error" role="alert">
      {title ? <p className="notice-title">{title}</p> : null}
      <p className={title ? undefined : "notice-title"}>{headline}</p>
      {rest.length > 0 ? (
        <ul>
          {rest.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A quiet confirmation that something worked. */
export function SuccessNotice({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="notice notice-success" role="status">
      {message}
    </p>
  );
}
