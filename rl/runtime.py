"""Process-wide settings for fast training on small CPUs.

Library code never calls these; the command line and the benchmarks do.
"""

from __future__ import annotations

import ctypes

__all__ = ["tune_allocator"]


def tune_allocator() -> bool:
    """Keep freed large arrays in the heap instead of returning them to the OS.

    glibc gives blocks of 128 KiB and more back with munmap on every free, so
    each N×64 temporary of an update costs a fresh mmap and page faults.
    Raising the mmap and trim thresholds (mallopt M_MMAP_THRESHOLD = −3 and
    M_TRIM_THRESHOLD = −1, to 1 GiB) lets them be reused. Returns whether the
    setting took (False off glibc).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-3, 1 << 30)) and bool(libc.mallopt(-1, 1 << 30))
    except (OSError, AttributeError):
        return False
