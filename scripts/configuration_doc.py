"""Write docs/configuration.md from the settings class, or check that it is current.

    python scripts/configuration_doc.py            # rewrite docs/configuration.md
    python scripts/configuration_doc.py --check    # exit 1 when the file is stale (./dev lint)

Name, type, default and meaning come from `ringledger.core.config.Settings` (each field's
description). "Production refuses" is not written by hand either: it is what
`Settings.problems()` answers for a production configuration that is acceptable in every other
way, with that one variable at its default, at each of its allowed values, at an `http://`
address (a URL) or at an unknown word (other text).
"""

from __future__ import annotations

import json
import sys
import typing
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "backend"))

from cryptography.fernet import Fernet  # noqa: E402
from pydantic import ValidationError  # noqa: E402
from pydantic.fields import FieldInfo  # noqa: E402

from ringledger.core.config import Settings  # noqa: E402

TARGET = ROOT / "docs" / "configuration.md"

# A production configuration with nothing to refuse: every probe changes one variable of it.
ACCEPTABLE: dict[str, Any] = {
    "RINGLEDGER_ENV": "production",
    "DATABASE_URL": "postgresql://ringledger@db.internal/ringledger",
    "JWT_SECRET_KEY": "x" * 48,
    "RINGLEDGER_PREIMAGE_KEY": Fernet.generate_key().decode(),
    "XAMAN_MODE": "api",
    "XAMAN_API_KEY": "key",  # pragma: allowlist secret
    "XAMAN_API_SECRET": "secret",  # pragma: allowlist secret
    "XRPL_MODE": "rpc",
}

HEADER = """\
# Configuration

Every setting of RingLedger is an environment variable; none is needed for a local run. This
page is generated from the settings class (`backend/ringledger/core/config.py`) by
`python scripts/configuration_doc.py`, and `./dev lint` fails when it is out of date: change the
class, then run the script.

Durations take a number with an optional unit: `90s`, `15m`, `2h`, `1d` (plain numbers are
seconds). Secrets are never printed, logged or answered. `ringledger check-config` checks the
current environment as production would and prints every problem it finds.

"""


def type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(f"`{value}`" for value in typing.get_args(annotation))
    if typing.get_origin(annotation) is typing.Annotated:
        return type_name(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is list:
        return "JSON array"
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if arguments:  # X | None
        return type_name(arguments[0])
    names = {
        "SecretStr": "secret",  # pragma: allowlist secret
        "timedelta": "duration",
        "Path": "path",
        "str": "text",
        "int": "integer",
        "float": "number",
        "bool": "`true`, `false`",
    }
    return names.get(getattr(annotation, "__name__", ""), str(annotation))


def default_text(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None or value == "":
        return "unset"
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds % size == 0:
                return f"`{seconds // size}{unit}`"
        return f"`{seconds}s`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def problems_with(name: str, value: Any) -> set[str]:
    values = dict(ACCEPTABLE)
    if value is _DEFAULT:
        values.pop(name, None)
    else:
        values[name] = value
    try:
        return set(Settings(**values).problems())
    except ValidationError:  # a value the class refuses outright is not a production rule
        return set()


_DEFAULT = object()


def refusals(name: str, field: FieldInfo) -> list[str]:
    probes: list[Any] = [_DEFAULT]
    if typing.get_origin(field.annotation) is typing.Literal:
        probes += list(typing.get_args(field.annotation))
    if name.endswith("_URL") and isinstance(field.default, str):
        probes.append(field.default.replace("https://", "http://", 1))
    if field.annotation is str:
        probes.append("UNKNOWN")
    found: list[str] = []
    for probe in probes:
        for problem in sorted(problems_with(name, probe)):
            if problem not in found:
                found.append(problem)
    return found


def render() -> str:
    if Settings(**ACCEPTABLE).problems():
        raise SystemExit("the reference production configuration is itself refused")
    rows = [
        "| variable | type | default | meaning | production refuses |",
        "|---|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        if not field.description:
            raise SystemExit(f"{name} has no description in Settings")
        refused = "; ".join(refusals(name, field)) or "—"
        cells = [
            f"`{name}`",
            type_name(field.annotation),
            default_text(field),
            field.description,
            refused,
        ]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return HEADER + "\n".join(rows) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run `python scripts/configuration_doc.py`")
            return 1
        print(f"{TARGET.relative_to(ROOT)} is current")
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
