import { FAILURE_TITLES, runbookGuidance } from "../../api/errors";

/** An escrow's stored failure: what happened, why, and the runbook's next step. */
export function FailureNotice({ code, reason }: { code: string; reason: string | null }) {
  const guidance = runbookGuidance(code);
  return (
    <div className="notice notice-warn failure" data-failure-code={code}>
      <p className="notice-title">
        {FAILURE_TITLES[code] ?? "Failed"} <code>{code}</code>
      </p>
      {reason ? <p>{reason}</p> : null}
      {guidance ? (
        <p>
          <strong>What to do: </strong>
          {guidance}
        </p>
      ) : null}
    </div>
  );
}
