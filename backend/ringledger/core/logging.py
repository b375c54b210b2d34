"""Structured logging: JSON in production, readable text locally, request id on every line."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from ringledger.core.context import request_id_var


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# Control characters (a newline above all) in a value a client chose would let that client
# write a line of its own into a text log; they are written escaped (`\n`, `\x1b`).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """`text` on one line: every control character as a visible escape."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {}) or {}
        extra = " ".join(f"{name}={escape_controls(str(value))}" for name, value in fields.items())
        request_id = getattr(record, "request_id", "-")
        line = (
            f"{self.formatTime(record)} {record.levelname:<7} [{request_id}]"
            f" {record.name}: {escape_controls(record.getMessage())}"
        )
        if extra:
            line = f"{line} {extra}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def configure_logging(*, as_json: bool, level: str = "INFO") -> None:
    """Route the service's and uvicorn's records through one handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our own access line carries the request id, route and actor; uvicorn's would duplicate it.
    logging.getLogger("uvicorn.access").disabled = True
