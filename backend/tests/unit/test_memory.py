"""The API process returns each password hash's memory (a fresh interpreter per case)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ringledger.core.memory import return_large_blocks_to_the_system

pytestmark = pytest.mark.no_db

_HASHES = """
import sys, threading
from ringledger.core.memory import return_large_blocks_to_the_system
from ringledger.core.security import PasswordHashing

def resident_mb():
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) // 1024

if sys.argv[1] == "returned":
    assert return_large_blocks_to_the_system()
hasher = PasswordHashing()._hasher  # the service's own parameters: 19 MiB per hash
hasher.hash("first")
before = resident_mb()
for _ in range(3):
    threads = [threading.Thread(target=hasher.hash, args=("again",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
print(resident_mb() - before)
"""


def _growth_mb(case: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _HASHES, case], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


def test_hash_memory_goes_back_to_the_system() -> None:
    if not return_large_blocks_to_the_system():
        pytest.skip("this C library has no mallopt (not glibc)")
    assert _growth_mb("returned") < 8


def test_without_it_the_heap_keeps_the_hashes() -> None:
    """What the setting is for: glibc's own threshold keeps at least one hash's 19 MiB."""
    if not return_large_blocks_to_the_system():
        pytest.skip("this C library has no mallopt (not glibc)")
    assert _growth_mb("kept") >= 19
