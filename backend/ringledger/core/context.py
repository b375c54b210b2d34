"""Per-request context shared with log records (request id, actor, bout)."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
log_fields_var: ContextVar[dict[str, str] | None] = ContextVar("log_fields", default=None)


def add_log_fields(**fields: object) -> None:
    """Attach fields (actor, bout, failure code) to the current request's access log line."""
    current = log_fields_var.get()
    if current is None:
        return
    current.update({name: str(value) for name, value in fields.items() if value is not None})
