import { countdown, formatLocal } from "../lib/time";
import { useNow } from "../lib/useNow";

/** A local date and time with a live countdown; the UTC instant sits in the tooltip. */
export function TimeInfo({ date }: { date: Date }) {
  const now = useNow();
  return (
    <span className="time-info">
      <time dateTime={date.toISOString()} title={date.toISOString()}>
        {formatLocal(date)}
      </time>{" "}
      <span className="countdown">({countdown(date, now)})</span>
    </span>
  );
}
