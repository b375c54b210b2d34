"""CI's secret scan: detect-secrets over every tracked file; fails on any finding that is not in
the audited baseline (.secrets.baseline, every entry of which was reviewed as a false positive:
public XRPL addresses and hashes, test passwords, the docs' worked example).

    python scripts/secret_scan.py             # scan; exit 1 on an unaudited finding
    python scripts/secret_scan.py --update    # rewrite the baseline after reviewing the findings
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BASELINE = Path(".secrets.baseline")
# Lock files hold integrity hashes, which look like secrets to an entropy check but are not.
EXCLUDED = (
    r"(package-lock\.json|frontend/openapi\.json|frontend/src/api/schema\.d\.ts"
    r"|\.secrets\.baseline)$"
)


def scan() -> dict[str, list[dict[str, object]]]:
    listed = subprocess.run(["git", "ls-files"], check=True, capture_output=True, text=True)  # noqa: S607
    files = listed.stdout.split()
    result = subprocess.run(  # noqa: S603 - our own interpreter and the tracked file names
        [sys.executable, "-m", "detect_secrets", "scan", "--exclude-files", EXCLUDED, *files],
        check=True,
        capture_output=True,
        text=True,
    )
    findings: dict[str, list[dict[str, object]]] = json.loads(result.stdout)["results"]
    return findings


def audited() -> set[tuple[str, str]]:
    if not BASELINE.exists():
        return set()
    entries = json.loads(BASELINE.read_text())["results"]
    return {
        (path, str(entry["hashed_secret"]))
        for path, found in entries.items()
        for entry in found
        if entry.get("is_secret") is False
    }


def main() -> int:
    findings = scan()
    if "--update" in sys.argv:
        for found in findings.values():
            for entry in found:
                entry["is_secret"] = False
        BASELINE.write_text(json.dumps({"results": findings}, indent=2, sort_keys=True) + "\n")
        print(f"baseline rewritten with {sum(map(len, findings.values()))} reviewed entries")
        return 0
    known = audited()
    new = [
        (path, entry)
        for path, found in sorted(findings.items())
        for entry in found
        if (path, str(entry["hashed_secret"])) not in known
    ]
    for path, entry in new:
        print(f"possible secret: {path}:{entry['line_number']} ({entry['type']})")
    print(f"detect-secrets: {len(new)} unaudited finding(s)")
    return 1 if new else 0


if __name__ == "__main__":
    raise SystemExit(main())
