"""Side by side: two runs' figures written by `./dev bench --json`, e.g. before and after a
change, with the ratio after/before (below 1 is less time or CPU; for bouts/s, above 1 is better).

    ./dev bench --compare before.json after.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LEVEL_FIGURES = (
    ("bouts/s", ("bouts_per_s",)),
    ("requests/s", ("requests_per_s",)),
    ("API CPU ms/req", ("cpu_ms_per_request", "api")),
    ("PostgreSQL CPU ms/req", ("cpu_ms_per_request", "postgres")),
    ("load generator ms/req", ("cpu_ms_per_request", "load_generator")),
    ("escrow confirm p50 ms", ("routes", "escrows/confirm", "p50_ms")),
    ("escrow confirm p99 ms", ("routes", "escrows/confirm", "p99_ms")),
    ("payout confirm p99 ms", ("routes", "payouts/confirm", "p99_ms")),
    ("GET bout p50 ms", ("routes", "GET /bouts/{id}", "p50_ms")),
    ("errors", ("errors",)),
)
REPLAY_FIGURES = ("api_cpu_ms_per_replay", "postgres_cpu_ms_per_replay", "p50_ms", "p99_ms")


def _dig(data: Any, path: tuple[str, ...]) -> float | None:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return float(data) if isinstance(data, int | float) else None


def flatten(figures: dict[str, Any]) -> dict[str, float | None]:
    """The figures worth comparing, by a label that names the level, replay or listing row."""
    flat: dict[str, float | None] = {}
    for level in figures.get("levels", []):
        prefix = f"C={level['concurrency']} w={level['workers']}"
        flat[f"{prefix} peak RSS MB"] = max(level["peak_rss_mb_per_api_process"], default=None)
        for label, path in LEVEL_FIGURES:
            flat[f"{prefix} {label}"] = _dig(level, path)
    for name in REPLAY_FIGURES:
        flat[f"replay {name}"] = _dig(figures, ("replay", name))
    for row in figures.get("listing", []):
        name = f"listing {row['who']}: {row['request']}"
        flat[f"{name} p50 ms"] = row["p50_ms"] if row["n"] else None
        flat[f"{name} API CPU ms"] = row.get("api_cpu_ms")
    return flat


def _cell(value: float | None) -> str:
    return f"{value:>12.2f}" if value is not None else f"{'-':>12}"


def compare(before_file: Path, after_file: Path) -> None:
    before = flatten(json.loads(before_file.read_text()))
    after = flatten(json.loads(after_file.read_text()))
    labels = [*before, *(name for name in after if name not in before)]
    width = max(map(len, labels), default=0) + 2
    print(f"{'':<{width}}{'before':>12}{'after':>12}{'after/before':>14}")
    for label in labels:
        old, new = before.get(label), after.get(label)
        ratio = f"{new / old:>13.2f}×" if old and new is not None else ""
        print(f"{label:<{width}}{_cell(old)}{_cell(new)}{ratio}")
