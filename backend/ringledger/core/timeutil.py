"""Time on our side (aware UTC datetimes) and on the ledger's (ripple-epoch seconds)."""

from __future__ import annotations

from datetime import UTC, datetime

from xrpl.utils import datetime_to_ripple_time, ripple_time_to_datetime

RIPPLE_EPOCH_OFFSET = 946_684_800  # Unix seconds at 2000-01-01T00:00:00Z (XRPL docs: ripple epoch)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_ripple(moment: datetime) -> int:
    """Ripple-epoch seconds of an aware datetime (whole seconds, as the ledger stores them)."""
    return int(datetime_to_ripple_time(moment.astimezone(UTC)))


def from_ripple(seconds: int) -> datetime:
    return ripple_time_to_datetime(seconds).astimezone(UTC)


def iso_utc(moment: datetime | None) -> str | None:
    """`2027-03-01T20:00:00Z`: the one time format of our JSON."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
