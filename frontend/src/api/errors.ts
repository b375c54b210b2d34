/** Errors of the RingLedger API turned into sentences people can act on. */

export interface FieldProblem {
  field: string;
  message: string;
  type?: string;
}

/** The JSON body every RingLedger error carries. */
export interface ErrorBody {
  detail: string;
  code: string;
  failure_code?: string | null;
  errors?: FieldProblem[] | null;
  request_id?: string | null;
  /** Anything else the service adds, e.g. `escrow_kinds` or `payload_ids` on a state conflict. */
  [fact: string]: unknown;
}

const BODY_FIELDS = new Set(["detail", "code", "failure_code", "errors", "request_id"]);

const FIELD_LABELS: Record<string, string> = {
  email: "Email",
  password: "Password",
  current_password: "Current password",
  new_password: "New password",
  role: "Role",
  display_name: "Display name",
  xrpl_address: "XRPL address",
  promoter_xrpl_address: "Promoter XRPL address",
  event_datetime_utc: "Event time",
  fighter_a_user_id: "Fighter A",
  fighter_b_user_id: "Fighter B",
  show_a_drops: "Show purse A",
  show_b_drops: "Show purse B",
  bonus_a_drops: "Win bonus A",
  bonus_b_drops: "Win bonus B",
  token: "Currency",
  show_a_amount: "Show purse A",
  show_b_amount: "Show purse B",
  bonus_a_amount: "Win bonus A",
  bonus_b_amount: "Win bonus B",
  amount: "Amount",
  tx_hash: "Transaction hash",
  offer_sequence: "Offer sequence",
  engine_result: "Engine result",
  close_time_ripple: "Ledger close time",
};

/** What each failure code means for the operator: the runbook's retry path, in words. */
export const RUNBOOK_GUIDANCE: Record<string, string> = {
  signing_declined: "The promoter declined in Xaman. Prepare again to send a new sign request.",
  signing_expired: "The sign request expired unsigned. Prepare again and reconcile.",
  confirmation_timeout:
    "Not validated yet. Retry the confirmation later with validated ledger evidence (a new attempt uses a new Idempotency-Key).",
  ledger_tec_tem:
    "The ledger rejected the transaction. Do not retry automatically; investigate the result code.",
  invalid_confirmation:
    "The evidence does not match what was prepared. Rebuild from a fresh prepare.",
};

/** Short names for failure codes, for badges and headings. */
export const FAILURE_TITLES: Record<string, string> = {
  signing_declined: "Signing declined",
  signing_expired: "Sign request expired",
  confirmation_timeout: "Not validated yet",
  ledger_tec_tem: "Rejected by the ledger",
  invalid_confirmation: "Evidence does not match",
};

export function runbookGuidance(failureCode: string | null | undefined): string | null {
  if (!failureCode) return null;
  return RUNBOOK_GUIDANCE[failureCode] ?? null;
}

function counted(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** A Retry-After in words, rounded up: "45 seconds", "15 minutes", "1 hour". */
export function describeWait(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 120) return counted(whole, "second");
  const minutes = Math.ceil(whole / 60);
  if (minutes < 120) return counted(minutes, "minute");
  return counted(Math.ceil(minutes / 60), "hour");
}

/** When to try again: "in 15 minutes", or "later" when the service named no wait. */
export function retryWhen(retryAfterSeconds: number | null): string {
  return retryAfterSeconds === null ? "later" : `in ${describeWait(retryAfterSeconds)}`;
}

/** One human sentence per machine code; `null` when the server's own detail says enough. */
export function sentenceForCode(code: string, retryAfterSeconds: number | null): string | null {
  switch (code) {
    case "rate_limited":
      // Failed logins, registrations from one address, wrong current passwords: the forms that
      // meet it say which (see `CodeSentences`).
      return `Too many attempts; try again ${retryWhen(retryAfterSeconds)}.`;
    case "credentials_invalid":
      return "The email or password is not right.";
    case "not_authenticated":
    case "token_invalid":
    case "token_expired":
      return "Your session has ended. Please sign in again.";
    case "forbidden":
      return "Your role may not do this.";
    case "bout_not_found":
      return "This bout does not exist, or you may not see it.";
    case "escrow_not_found":
      return "That escrow does not belong to this bout.";
    case "payload_not_found":
      return "That sign request was not issued by the service for this escrow. Prepare again.";
    case "profile_not_found":
      return "No fighter profile has been saved yet.";
    case "state_conflict":
      return "The bout is not in a state that allows this step. Reload to see where it stands.";
    case "idempotency_key_reused":
      return "This confirmation key was already used with different evidence. Start a new confirm attempt.";
    case "idempotency_in_flight":
      return "The same confirmation is still being processed. Wait a moment, then reload.";
    case "idempotency_key_missing":
    case "idempotency_key_invalid":
      return "The confirmation was sent without a valid Idempotency-Key.";
    case "email_taken":
      return "An account with this email already exists. Sign in instead.";
    case "xrpl_address_taken":
      return "Another fighter already uses this XRPL address.";
    case "validation_error":
      return "Some fields are not valid.";
    case "plan_invalid":
      return "The bout plan is not valid.";
    case "token_not_found":
      return "That token is not one bouts may be settled in.";
    case "profile_required":
      return "Save your fighter profile first: a trust line is for its XRPL address.";
    case "nothing_owed":
      return "None of your open bouts still owes you that token, so there is no limit to ask for.";
    case "not_claimable":
      return "Only a show purse can be claimed by its fighter.";
    case "observed_status_invalid":
      return "That signing outcome is not one the service knows.";
    case "signing_declined":
      return "The transaction was declined in Xaman.";
    case "confirmation_timeout":
      return "The transaction is not validated on the ledger (yet).";
    case "ledger_tec_tem":
      return "The ledger rejected the transaction.";
    case "invalid_confirmation":
      return "The evidence does not match what the service prepared.";
    case "xaman_unavailable":
      return "Xaman could not be reached. Nothing changed; try again shortly.";
    case "ledger_unavailable":
      return "The XRPL node could not be reached. Nothing changed; try again shortly.";
    case "upstream_unavailable":
      return "An outside service could not be reached. Nothing changed; try again shortly.";
    case "payload_too_large":
      return "The request is too large.";
    case "internal_error":
      return "The service hit an unexpected error.";
    case "not_ready":
      return "The service is not ready (database unavailable).";
    case "database_unavailable":
      return `The database could not be reached; nothing was stored. Try again ${retryWhen(retryAfterSeconds)}.`;
    case "database_busy":
      return `The records are busy with another request; nothing was stored. Try again ${retryWhen(retryAfterSeconds)}.`;
    case "network_error":
      return "The service could not be reached. Check your connection and try again.";
    default:
      return null;
  }
}

/** Codes whose server sentence only repeats ours; the others add specifics worth showing. */
const DETAIL_ADDS_NOTHING = new Set([
  "credentials_invalid",
  "not_authenticated",
  "token_invalid",
  "token_expired",
  "forbidden",
  "bout_not_found",
  "rate_limited",
  "email_taken",
  "xrpl_address_taken",
  "validation_error",
  "network_error",
  "database_unavailable",
  "database_busy",
]);

/**
 * A form's own sentence for codes whose meaning depends on the form: `rate_limited` is too many
 * failed logins on sign-in but too many registrations on sign-up, and `credentials_invalid` on a
 * password change is the current password, not the email.
 */
export type CodeSentences = Readonly<Partial<Record<string, (error: ApiError) => string>>>;

/** An error answer from the API (or a failure to reach it), ready to be shown. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly failureCode: string | null;
  readonly fieldProblems: FieldProblem[];
  readonly retryAfterSeconds: number | null;
  readonly requestId: string | null;
  /** The body's extra fields (what a refusal names: escrow kinds, sign requests, …). */
  readonly facts: Readonly<Record<string, unknown>>;

  constructor(status: number, body: ErrorBody, retryAfterSeconds: number | null = null) {
    super(body.detail);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.detail = body.detail;
    this.failureCode = body.failure_code ?? null;
    this.fieldProblems = body.errors ?? [];
    this.retryAfterSeconds = retryAfterSeconds;
    this.requestId = body.request_id ?? null;
    this.facts = Object.fromEntries(
      Object.entries(body).filter(([name]) => !BODY_FIELDS.has(name)),
    );
  }

  /** An extra field that is a list of strings (empty when absent or of another shape). */
  factList(name: string): string[] {
    const value = this.facts[name];
    return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
  }

  /** The headline: our sentence for the code, or the server's detail when we have none. */
  get headline(): string {
    return this.headlineIn();
  }

  /** Everything worth showing, one sentence per line, without repeating the headline. */
  get lines(): string[] {
    return this.linesIn();
  }

  /** The headline as a form words it: its own sentence for the code, else the general one. */
  headlineIn(sentences: CodeSentences = {}): string {
    const own = sentences[this.code];
    if (own) return own(this);
    return sentenceForCode(this.code, this.retryAfterSeconds) ?? this.detail;
  }

  /** `lines`, with the headline as a form words it. */
  linesIn(sentences: CodeSentences = {}): string[] {
    const headline = this.headlineIn(sentences);
    const lines = [headline];
    if (this.detail && this.detail !== headline && !DETAIL_ADDS_NOTHING.has(this.code)) {
      lines.push(this.detail);
    }
    for (const problem of this.fieldProblems) lines.push(describeFieldProblem(problem));
    const guidance = runbookGuidance(this.failureCode);
    if (guidance) lines.push(guidance);
    if (this.requestId) lines.push(`Request id: ${this.requestId}`);
    return lines;
  }
}

export function describeFieldProblem(problem: FieldProblem): string {
  const label = FIELD_LABELS[problem.field] ?? problem.field;
  return `${label}: ${problem.message}`;
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.detail === "string" && typeof candidate.code === "string";
}

/** A body that is not our error shape, described by its HTTP status alone. */
export function fallbackBody(status: number): ErrorBody {
  const byStatus: Record<number, string> = {
    400: "The request was not accepted.",
    401: "Please sign in.",
    403: "Not allowed.",
    404: "Not found.",
    405: "This operation is not available.",
    413: "The request is too large.",
    429: "Too many requests; wait a moment.",
    502: "An outside service failed; nothing changed.",
    503: "The service is not ready.",
  };
  const codeByStatus: Record<number, string> = { 502: "upstream_unavailable", 503: "not_ready" };
  return {
    detail: byStatus[status] ?? `The service answered with HTTP ${status}.`,
    code: codeByStatus[status] ?? (status >= 500 ? "internal_error" : "http_error"),
  };
}

/** Lines for any thrown value, so screens never show a raw object. */
export function errorLines(error: unknown, sentences: CodeSentences = {}): string[] {
  if (error instanceof ApiError) return error.linesIn(sentences);
  if (error instanceof Error && error.message) return [error.message];
  return ["Something went wrong."];
}

export function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
