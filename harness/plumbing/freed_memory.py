"""Give the C heap's freed pages back to the OS (glibc's `malloc_trim`).

Starting a part allocates and frees a lot (service models parsed, imports, provisioning
answers); glibc keeps the freed pages in its heaps, counted in the process's RSS, until it
trims them. Called once a process has started what it serves."""

from __future__ import annotations

import ctypes


def give_back() -> None:
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        return
    trim(0)
