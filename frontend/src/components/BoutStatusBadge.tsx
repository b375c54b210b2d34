import type { BoutStatus } from "../api/client";
import { BOUT_STATUS_LABELS } from "../lib/labels";
import { Badge, type Tone } from "./Badge";

const TONES: Record<BoutStatus, Tone> = {
  draft: "neutral",
  escrows_created: "info",
  result_entered: "info",
  payouts_in_progress: "warn",
  closed: "good",
  withdrawn: "bad",
};

export function BoutStatusBadge({ status }: { status: BoutStatus }) {
  return <Badge tone={TONES[status]}>{BOUT_STATUS_LABELS[status]}</Badge>;
}
