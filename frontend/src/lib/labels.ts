/** Words for the API's enumerations. */

import type { BoutStatus, EscrowKind, EscrowStatus, SigningStatus } from "../api/client";

/** The steps of a bout that goes ahead, in order. */
export const BOUT_LIFECYCLE: BoutStatus[] = [
  "draft",
  "escrows_created",
  "result_entered",
  "payouts_in_progress",
  "closed",
];

/** A draft that never locked money ends here instead (terminal). */
export const WITHDRAWN_PATH: BoutStatus[] = ["draft", "withdrawn"];

/** Every status, for filters. */
export const BOUT_STATUSES: BoutStatus[] = [...BOUT_LIFECYCLE, "withdrawn"];

export const BOUT_STATUS_LABELS: Record<BoutStatus, string> = {
  draft: "Draft",
  escrows_created: "Escrows created",
  result_entered: "Result entered",
  payouts_in_progress: "Payouts in progress",
  closed: "Closed",
  withdrawn: "Withdrawn",
};

export const ESCROW_STATUS_LABELS: Record<EscrowStatus, string> = {
  planned: "Planned",
  created: "Created on ledger",
  finished: "Paid out",
  cancelled: "Refunded to promoter",
  failed: "Failed",
};

export const ESCROW_KINDS: EscrowKind[] = ["show_a", "show_b", "bonus_a", "bonus_b"];

export const ESCROW_KIND_LABELS: Record<EscrowKind, string> = {
  show_a: "Show purse · Fighter A",
  show_b: "Show purse · Fighter B",
  bonus_a: "Win bonus · Fighter A",
  bonus_b: "Win bonus · Fighter B",
};

export const SIGNING_STATUS_LABELS: Record<SigningStatus, string> = {
  open: "Waiting for signature",
  signed: "Signed",
  declined: "Declined",
  expired: "Expired",
  unknown: "Unknown",
  superseded: "Replaced by a newer request",
};

/** What a status means for the signer, where the label alone does not say it. */
export const SIGNING_STATUS_NOTES: Readonly<Partial<Record<SigningStatus, string>>> = {
  superseded: "Replaced by a newer request; it can no longer be signed.",
};

export function corner(kind: EscrowKind): "A" | "B" {
  return kind.endsWith("_a") ? "A" : "B";
}
