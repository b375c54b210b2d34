"""Fail on a reference to a Markdown document that is not in the repository.

Every tracked text file is read for names ending in `.md` (`docs/api.md`, `../README.md`,
`operations-runbook.md#rollback` …). Each must name a file of the repository — relative to the
file that names it, to the repository's root, or to `docs/` — and a `#section` after it must be
the anchor of one of that document's headings (as GitHub makes them: lower case, punctuation
dropped, spaces to hyphens). Web addresses are left alone.

    python scripts/check_doc_refs.py    # exit 1 and list every broken reference
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = re.compile(
    r"(package-lock\.json|frontend/openapi\.json|frontend/src/api/schema\.d\.ts"
    r"|\.secrets\.baseline|\.(png|jpg|ico|woff2?|svg))$"
)
URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
REFERENCE = re.compile(r"(?<![\w/.-])((?:\.{1,2}/)*[\w.-]+(?:/[\w.-]+)*\.md)(?!\w)(#[\w-]+)?")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return [ROOT / name for name in listed.stdout.splitlines() if not SKIPPED.search(name)]


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: markup and punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]|<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


@cache
def anchors_of(document: Path) -> frozenset[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in document.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = anchor(match.group(1))
            count = seen.get(base, 0)
            found.add(base if count == 0 else f"{base}-{count}")
            seen[base] = count + 1
    return frozenset(found)


def resolve(name: str, source: Path) -> Path | None:
    for base in (source.parent, ROOT, ROOT / "docs"):
        candidate = (base / name).resolve()
        if candidate.is_file() and candidate.is_relative_to(ROOT):
            return candidate
    return None


def problems_in(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError):
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = URL.sub(" ", line)
        for match in REFERENCE.finditer(line):
            name, section = match.group(1), match.group(2)
            where = f"{path.relative_to(ROOT)}:{number}"
            target = resolve(name, path)
            if target is None:
                found.append(f"{where}: {name} is not in the repository")
            elif section and section[1:] not in anchors_of(target):
                found.append(f"{where}: {name} has no section {section}")
    return found


def main() -> int:
    problems = [problem for path in tracked_files() for problem in problems_in(path)]
    for problem in problems:
        print(problem)
    print(f"document references: {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
