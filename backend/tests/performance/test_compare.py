"""Two runs' JSON figures line up by level, replay and listing row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.performance.compare import compare, flatten

pytestmark = pytest.mark.no_db


def figures(api_ms: float, *, listing: bool) -> dict[str, object]:
    level = {
        "concurrency": 8,
        "workers": 1,
        "bouts_per_s": 6.5,
        "cpu_ms_per_request": {"api": api_ms, "postgres": 1.5, "load_generator": 0.2},
        "peak_rss_mb_per_api_process": [140.0, 12.0],
        "routes": {"escrows/confirm": {"n": 32, "p50_ms": 60.0, "p99_ms": 150.0}},
        "errors": 0,
    }
    rows = [{"who": "admin", "request": "first page", "n": 20, "p50_ms": 9.0}] if listing else []
    return {"levels": [level], "replay": {"p50_ms": 9.0}, "listing": rows}


def test_flatten_names_each_figure_by_its_level() -> None:
    flat = flatten(figures(7.7, listing=True))
    assert flat["C=8 w=1 API CPU ms/req"] == 7.7
    assert flat["C=8 w=1 peak RSS MB"] == 140.0
    assert flat["C=8 w=1 escrow confirm p99 ms"] == 150.0
    assert flat["C=8 w=1 payout confirm p99 ms"] is None  # not in this run
    assert flat["replay p50_ms"] == 9.0
    assert flat["listing admin: first page p50 ms"] == 9.0


def test_compare_prints_the_ratio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(figures(8.0, listing=False)))
    after.write_text(json.dumps(figures(2.0, listing=True)))
    compare(before, after)
    lines = capsys.readouterr().out.splitlines()
    api = next(line for line in lines if "API CPU" in line)
    assert api.split()[-3:] == ["8.00", "2.00", "0.25×"]
    assert any(line.startswith("listing admin: first page") for line in lines)
