"""Memory the API process gives back: each password hash's 19 MiB returns to the system.

argon2id (core.security) takes 19 MiB per hash. glibc's malloc serves a block larger than its
M_MMAP_THRESHOLD with a mapping of its own, unmapped when freed; but the threshold starts at
128 KiB and rises to the size of any such block that is freed, so after the first hash every
later 19 MiB block comes from the heap and stays in the process: three rounds of three
concurrent hashes kept 58 MB resident (measured, tests/unit/test_memory.py). Setting the
threshold explicitly also stops it from rising (mallopt(3)), and every hash's memory is
returned when the hash is done.
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value


def return_large_blocks_to_the_system() -> bool:
    """Fix glibc's mmap threshold; False (and nothing changed) on a C library without it."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, _THRESHOLD_BYTES))
